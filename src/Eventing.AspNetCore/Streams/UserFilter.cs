using System.Security.Claims;

namespace Eventing.AspNetCore.Streams;

/// <summary>A per-connection filter: may this user see this event? <see cref="EventType"/> is what it was declared for.</summary>
internal sealed record UserFilter(Type EventType, Func<object, ClaimsPrincipal, bool> IsVisible);
