using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.DependencyInjection;

namespace Eventing.Hosting;

/// <summary>What <see cref="EventingBuilder"/> collected; turned into the registry when the bus starts.</summary>
internal sealed class EventingSetup(IServiceCollection services)
{
    /// <summary>The registrations the bus is built from; complete by the time it starts.</summary>
    public IServiceCollection Services { get; } = services;

    public List<Type> EventTypes { get; } = [];

    /// <summary>Names and durability given in code, for types without <c>[Event]</c> (or to override it).</summary>
    public Dictionary<Type, EventAttribute> EventNames { get; } = [];

    /// <summary>Listener queues to declare at start without consuming them: (event type, listener name).</summary>
    public List<(Type EventType, string Listener)> Provisioned { get; } = [];

    public List<ListenerRegistration> Listeners { get; } = [];

    public JsonSerializerOptions? JsonOptions { get; set; }

    public IJsonTypeInfoResolver? JsonResolver { get; set; }

    public bool HasProvider { get; set; }
}
