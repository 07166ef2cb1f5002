using Eventing;

namespace SessionPropagation;

[Event("profiles.updated")]
public sealed record ProfileUpdated(string Field, string Value);
