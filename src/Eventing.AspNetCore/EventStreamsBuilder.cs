using Eventing.AspNetCore.Streams;
using Microsoft.Extensions.DependencyInjection;

namespace Eventing.AspNetCore;

/// <summary>Defines the event streams inside <c>events.AddEventStreams(streams =&gt; ...)</c>.</summary>
public sealed class EventStreamsBuilder
{
    private readonly EventStreamsSetup _setup;
    private readonly EventingBuilder _events;

    internal EventStreamsBuilder(EventStreamsSetup setup, EventingBuilder events)
    {
        _setup = setup;
        _events = events;
    }

    /// <summary>Defines a stream; map it to a route with <c>app.MapEventStream(name, pattern)</c>.</summary>
    /// <param name="name">Letters, digits, '.', '-' and '_'; it names the stream's listeners and metrics.</param>
    /// <param name="configure">Includes event types and per-user filters.</param>
    public EventStreamsBuilder Stream(string name, Action<EventStreamBuilder> configure)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(configure);
        foreach (var character in name)
        {
            if (!char.IsAsciiLetterOrDigit(character) && character is not ('.' or '-' or '_'))
            {
                throw new EventRegistrationException($"Event stream name \"{name}\" contains '{character}'. Use letters, digits, '.', '-' and '_' only.");
            }
        }

        if (_setup.Streams.Exists(stream => stream.Name == name))
        {
            throw new EventRegistrationException($"Event stream \"{name}\" is defined twice. Give each stream its own name.");
        }

        var definition = new EventStreamDefinition(name);
        configure(new EventStreamBuilder(definition, _events));
        definition.Validate();
        _setup.Streams.Add(definition);
        _events.Services.AddOptions<EventStreamOptions>(name).ValidateOnStart();
        return this;
    }

    /// <summary>Changes <see cref="EventStreamOptions"/> of every stream.</summary>
    public EventStreamsBuilder Configure(Action<EventStreamOptions> configure)
    {
        _events.Services.ConfigureAll(configure);
        return this;
    }

    /// <summary>Adds a carrier (a singleton); it is asked before the built-in WebSocket and SSE carriers.</summary>
    public EventStreamsBuilder AddCarrier<TCarrier>()
        where TCarrier : class, IEventStreamCarrier
    {
        _events.Services.AddSingleton<IEventStreamCarrier, TCarrier>();
        return this;
    }
}
