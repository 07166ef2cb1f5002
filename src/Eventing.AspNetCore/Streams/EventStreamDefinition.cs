using System.Security.Claims;

namespace Eventing.AspNetCore.Streams;

/// <summary>What <see cref="EventStreamBuilder"/> collected for one stream: its event types and filters.</summary>
internal sealed class EventStreamDefinition(string name)
{
    public string Name { get; } = name;

    /// <summary>The listener name of the stream's per-process listeners (one per event type).</summary>
    public string ListenerName => "eventstream-" + Name;

    public List<StreamInclusion> Inclusions { get; } = [];

    public List<UserFilter> UserFilters { get; } = [];

    public bool Includes(string eventName)
    {
        foreach (var inclusion in Inclusions)
        {
            if (string.Equals(inclusion.EventName, eventName, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when every per-connection filter lets <paramref name="user"/> see the event.</summary>
    public bool IsVisible(object @event, ClaimsPrincipal user)
    {
        // A for loop over the list: no enumerator allocation, this runs per event per connection.
        for (var i = 0; i < UserFilters.Count; i++)
        {
            if (!UserFilters[i].IsVisible(@event, user))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Fails at configuration time for a stream that could never work or would leak events.</summary>
    public void Validate()
    {
        if (Inclusions.Count == 0)
        {
            throw new EventRegistrationException(
                $"Event stream \"{Name}\" includes no event type. Add at least one: .Stream(\"{Name}\", s => s.Include<OrderPlaced>()).");
        }

        foreach (var filter in UserFilters)
        {
            foreach (var inclusion in Inclusions)
            {
                // An event the filter cannot judge must not reach anyone by default: refuse the configuration instead.
                if (!filter.EventType.IsAssignableFrom(inclusion.EventType))
                {
                    throw new EventRegistrationException(
                        $"Event stream \"{Name}\" has ForUser<{filter.EventType.Name}>(...), but its event {inclusion.EventType.Name} is not a {filter.EventType.Name}, so the filter cannot decide who may see it. " +
                        $"Make {inclusion.EventType.Name} implement {filter.EventType.Name}, or put it in a stream of its own.");
                }
            }
        }
    }
}
