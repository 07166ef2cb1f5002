using Eventing;

namespace SessionPropagation;

/// <summary>Knows who made the change without the event carrying it: the pipeline restored the session.</summary>
public sealed class AuditTrail(SessionAccessor sessions, Done done) : EventListener<ProfileUpdated>
{
    protected override void On(ProfileUpdated change, EventContext context)
    {
        Console.WriteLine($"audit: {change.Field} set to '{change.Value}' by session {sessions.Current ?? "(none)"} (message {context.MessageId})");
        done.Signal(sessions.Current);
    }
}
