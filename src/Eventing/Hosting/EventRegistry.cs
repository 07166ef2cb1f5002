using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Options;

namespace Eventing.Hosting;

/// <summary>
/// Every event type the bus knows, by CLR type and by name. Built at startup so naming mistakes fail there;
/// received envelopes are only ever deserialized into types registered here, never into a type named on the wire.
/// </summary>
internal sealed class EventRegistry
{
    private readonly ConcurrentDictionary<Type, EventDescriptor> _byType = new();
    private readonly ConcurrentDictionary<string, EventDescriptor> _byName = new(StringComparer.Ordinal);
    private readonly Lock _registering = new();
    private readonly ContentMode _defaultMode;
    private readonly Dictionary<Type, EventAttribute> _names;

    public EventRegistry(EventingSetup setup, IOptions<EventingOptions> options)
    {
        _defaultMode = options.Value.DefaultContentMode;
        JsonOptions = CreateJsonOptions(setup);
        _names = setup.EventNames;
        foreach (var type in setup.EventTypes)
        {
            Register(type);
        }

        foreach (var listener in setup.Listeners)
        {
            Register(listener.EventType);
        }
    }

    public JsonSerializerOptions JsonOptions { get; }

    public IEnumerable<EventDescriptor> Events => _byType.Values;

    public EventDescriptor Get(Type type)
    {
        if (_byType.TryGetValue(type, out var descriptor))
        {
            return descriptor;
        }

        // A type with [Event] that no registration named: accept it, checking for conflicts now.
        return Register(type);
    }

    public bool TryGet(string name, out EventDescriptor descriptor) => _byName.TryGetValue(name, out descriptor!);

    public EventDescriptor Register(Type type)
    {
        lock (_registering)
        {
            if (_byType.TryGetValue(type, out var existing))
            {
                return existing;
            }

            var attribute = (_names.TryGetValue(type, out var named) ? named : type.GetCustomAttribute<EventAttribute>())
                ?? throw new EventRegistrationException(
                    $"{type.FullName} is used as an event but is not marked with [Event]. Add [Event(\"{DefaultName(type)}\")] to it, or register it with AddEvent<{type.Name}>(\"{DefaultName(type)}\").");
            var name = attribute.Name ?? DefaultName(type);
            EventNames.Check(name, type);
            if (_byName.TryGetValue(name, out var clash))
            {
                throw new EventRegistrationException(
                    $"{clash.ClrType!.FullName} and {type.FullName} are both registered as event \"{name}\". Give one of them another name: [Event(\"{name}.v2\")].");
            }

            JsonTypeInfo typeInfo;
            try
            {
                typeInfo = JsonOptions.GetTypeInfo(type);
            }
            catch (Exception exception) when (exception is NotSupportedException or InvalidOperationException)
            {
                throw new EventRegistrationException(
                    $"Event {type.FullName} cannot be serialized with the configured JSON options: {exception.Message} If you use a JsonSerializerContext, add [JsonSerializable(typeof({type.Name}))] to it.");
            }

            var descriptor = new EventDescriptor(name, type, attribute.Durable, _defaultMode, typeInfo);
            _byName[name] = descriptor;
            _byType[type] = descriptor;
            return descriptor;
        }
    }

    private static string DefaultName(Type type) => type.Name;

    private static JsonSerializerOptions CreateJsonOptions(EventingSetup setup)
    {
        var options = setup.JsonOptions is null
            ? new JsonSerializerOptions(JsonSerializerDefaults.Web)
            {
                PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
                UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
            }
            : new JsonSerializerOptions(setup.JsonOptions);
        if (setup.JsonResolver is not null)
        {
            options.TypeInfoResolver = setup.JsonResolver;
        }
        else
        {
            options.TypeInfoResolver ??= new DefaultJsonTypeInfoResolver();
        }

        options.MakeReadOnly();
        return options;
    }
}
