using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Eventing.Hosting;

/// <summary>What <see cref="EventingBuilder"/> collected; turned into the registry when the bus starts.</summary>
internal sealed class EventingSetup
{
    public List<Type> EventTypes { get; } = [];

    public List<ListenerRegistration> Listeners { get; } = [];

    public JsonSerializerOptions? JsonOptions { get; set; }

    public IJsonTypeInfoResolver? JsonResolver { get; set; }

    public bool HasProvider { get; set; }
}
