using System.Reflection;
using System.Security.Claims;
using Eventing.AspNetCore.Streams;
using Microsoft.Extensions.DependencyInjection;

namespace Eventing.AspNetCore;

/// <summary>Defines one stream inside <c>streams.Stream("name", s =&gt; ...)</c>: which events it pushes and who sees them.</summary>
public sealed class EventStreamBuilder
{
    private readonly EventStreamDefinition _definition;
    private readonly EventingBuilder _events;

    internal EventStreamBuilder(EventStreamDefinition definition, EventingBuilder events)
    {
        _definition = definition;
        _events = events;
    }

    /// <summary>The stream's name.</summary>
    public string Name => _definition.Name;

    /// <summary>Pushes events of type <typeparamref name="TEvent"/>, or only those <paramref name="filter"/> accepts.</summary>
    /// <param name="filter">Runs once per event, before any connection is considered; null pushes every event.</param>
    public EventStreamBuilder Include<TEvent>(Func<TEvent, bool>? filter = null)
        where TEvent : notnull
    {
        if (_definition.Inclusions.Exists(inclusion => inclusion.EventType == typeof(TEvent)))
        {
            throw new EventRegistrationException($"Event stream \"{Name}\" includes {typeof(TEvent).Name} twice. Include each event type once; combine the filters.");
        }

        _events.AddEvent<TEvent>();
        _definition.Inclusions.Add(new StreamInclusion(typeof(TEvent), EventName(typeof(TEvent)), (events, listener, stream, cancellationToken) =>
            events.SubscribeAsync<TEvent>(
                listener,
                (@event, context, _) =>
                {
                    if (filter is null || filter(@event))
                    {
                        var envelope = context.Envelope;
                        stream.Publish(new EventStreamMessage(envelope.Id, envelope.Type, StructuredCloudEvent.Encode(envelope), @event, isControl: false));
                    }

                    return default;
                },
                perProcess: true,
                cancellationToken)));
        return this;
    }

    /// <summary>
    /// Lets a connection see an event only when <paramref name="filter"/> says its user may. Every event type of the
    /// stream must be a <typeparamref name="TEvent"/> (checked at startup), so no event escapes the filter.
    /// Several filters must all agree. A filter runs for every event and connection while the stream hands the event
    /// out, so keep it to a cheap check of the event and the claims (no I/O); one that throws withholds the event.
    /// </summary>
    /// <example><c>.ForUser&lt;ITenantEvent&gt;((e, user) =&gt; e.TenantId == user.FindFirst("tenant")?.Value)</c></example>
    public EventStreamBuilder ForUser<TEvent>(Func<TEvent, ClaimsPrincipal, bool> filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        _definition.UserFilters.Add(new UserFilter(typeof(TEvent), (@event, user) => filter((TEvent)@event, user)));
        return this;
    }

    /// <summary>Changes this stream's <see cref="EventStreamOptions"/> (after the ones for all streams).</summary>
    public EventStreamBuilder Configure(Action<EventStreamOptions> configure)
    {
        _events.Services.PostConfigure(Name, configure);
        return this;
    }

    // The same rule as the bus's registry: [Event("name")], else the type's name.
    private static string EventName(Type type) => type.GetCustomAttribute<EventAttribute>()?.Name ?? type.Name;
}
