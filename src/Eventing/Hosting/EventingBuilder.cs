using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Eventing.Hosting;
using Eventing.Local;
using Eventing.Providers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Eventing;

/// <summary>Configures the event bus inside <c>services.AddEventing(...)</c>.</summary>
public sealed class EventingBuilder
{
    internal EventingBuilder(IServiceCollection services, EventingSetup setup)
    {
        Services = services;
        Setup = setup;
    }

    /// <summary>The service collection, for provider packages that register their own services.</summary>
    public IServiceCollection Services { get; }

    internal EventingSetup Setup { get; }

    /// <summary>Registers an event type so naming conflicts show at startup. Listener event types are registered anyway.</summary>
    public EventingBuilder AddEvent<TEvent>() => AddEvent(typeof(TEvent));

    /// <summary>
    /// Registers an event type under a name given here, for types you do not own (no <c>[Event]</c> on them);
    /// wins over the type's <c>[Event]</c>.
    /// </summary>
    /// <param name="name">The event name: the CloudEvents <c>type</c> and the address on the broker.</param>
    /// <param name="durable">Persistent, durable queues, and a send completes once the broker confirmed it.</param>
    public EventingBuilder AddEvent<TEvent>(string name, bool durable = false)
    {
        Eventing.EventNames.Check(name, typeof(TEvent));
        Setup.EventNames[typeof(TEvent)] = new EventAttribute(name) { Durable = durable };
        return AddEvent<TEvent>();
    }

    /// <summary>
    /// Declares the queue of listener <paramref name="listener"/> of <typeparamref name="TEvent"/> (with its
    /// dead-letter queue and bindings) when Eventing starts, without consuming it: events sent from then on wait
    /// there for a listener of that name, for example in another service that starts later. A service that only
    /// sends uses this so that nothing it sends before the first listener runs is dropped.
    /// </summary>
    public EventingBuilder Provision<TEvent>(string listener)
    {
        Eventing.EventNames.CheckListener(listener);
        AddEvent<TEvent>();
        Setup.Provisioned.Add((typeof(TEvent), listener));
        return this;
    }

    /// <summary>Registers an event type.</summary>
    public EventingBuilder AddEvent(Type eventType)
    {
        ArgumentNullException.ThrowIfNull(eventType);
        if (!Setup.EventTypes.Contains(eventType))
        {
            Setup.EventTypes.Add(eventType);
        }

        return this;
    }

    /// <summary>Registers every <c>[Event]</c> type of the assembly that contains <typeparamref name="T"/>.</summary>
    public EventingBuilder AddEventsFromAssemblyContaining<T>()
    {
        foreach (var type in typeof(T).Assembly.GetTypes())
        {
            if (type.GetCustomAttribute<EventAttribute>() is not null)
            {
                AddEvent(type);
            }
        }

        return this;
    }

    /// <summary>Registers a listener class (a subclass of <see cref="EventListener{TEvent}"/>).</summary>
    /// <param name="configure">Overrides name, per-process, concurrency and retry.</param>
    public EventingBuilder AddListener<TListener>(Action<ListenerBuilder>? configure = null)
        where TListener : class => AddListener(typeof(TListener), configure);

    /// <summary>Registers a listener class (a subclass of <see cref="EventListener{TEvent}"/>).</summary>
    public EventingBuilder AddListener(Type listenerType, Action<ListenerBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(listenerType);
        var eventType = FindEventType(listenerType)
            ?? throw new EventRegistrationException(
                $"{listenerType.FullName} is registered as a listener but does not derive from EventListener<TEvent>. Derive it from EventListener<YourEvent>.");
        if (listenerType.IsAbstract)
        {
            throw new EventRegistrationException($"{listenerType.FullName} is abstract; register a concrete listener class.");
        }

        var registration = new ListenerRegistration(listenerType, eventType);
        configure?.Invoke(new ListenerBuilder(registration));
        Setup.Listeners.Add(registration);
        // Transient: exactly one instance per delivery scope anyway, and a transient resolve skips the scope's
        // resolved-services table (measured: less time and allocation per delivery than scoped).
        Services.TryAddTransient(listenerType);
        return this;
    }

    /// <summary>Registers every concrete listener class of the assembly that contains <typeparamref name="T"/>, and its event types.</summary>
    public EventingBuilder AddListenersFromAssemblyContaining<T>()
    {
        foreach (var type in typeof(T).Assembly.GetTypes())
        {
            if (type is { IsClass: true, IsAbstract: false, IsGenericTypeDefinition: false } && FindEventType(type) is not null &&
                !Setup.Listeners.Exists(listener => listener.ListenerType == type))
            {
                AddListener(type);
            }
        }

        return AddEventsFromAssemblyContaining<T>();
    }

    /// <summary>
    /// Adds a pipeline (a singleton). Pipelines run in registration order on send; on handle the first registered
    /// is outermost.
    /// </summary>
    public EventingBuilder AddPipeline<TPipeline>()
        where TPipeline : class, IEnvelopePipeline
    {
        Services.AddSingleton<TPipeline>();
        Services.AddSingleton<IEnvelopePipeline>(services => services.GetRequiredService<TPipeline>());
        return this;
    }

    /// <summary>Adds a pipeline instance.</summary>
    public EventingBuilder AddPipeline(IEnvelopePipeline pipeline)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        Services.AddSingleton(pipeline);
        return this;
    }

    /// <summary>
    /// Serializes events with these options instead of the defaults (web defaults: camelCase, unknown members ignored).
    /// </summary>
    public EventingBuilder UseJson(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Setup.JsonOptions = options;
        return this;
    }

    /// <summary>Serializes events with a source-generated context (trimming- and AOT-friendly).</summary>
    public EventingBuilder UseJson(JsonSerializerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Setup.JsonResolver = context;
        return this;
    }

    /// <summary>Changes <see cref="EventingOptions"/>.</summary>
    public EventingBuilder Configure(Action<EventingOptions> configure)
    {
        Services.Configure(configure);
        return this;
    }

    /// <summary>Uses the in-process provider: no broker, the same delivery semantics.</summary>
    public EventingBuilder UseLocal(Action<LocalProviderOptions>? configure = null)
    {
        var options = new LocalProviderOptions();
        configure?.Invoke(options);
        if (options.QueueCapacity < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(configure), options.QueueCapacity, "LocalProviderOptions.QueueCapacity must be at least 1.");
        }

        var broker = options.Broker ?? new LocalBroker(options.QueueCapacity);
        Services.TryAddSingleton(broker);
        return UseProvider(_ => new LocalProvider(broker));
    }

    /// <summary>
    /// Uses a provider that has its own options: registers <typeparamref name="TOptions"/> with
    /// <paramref name="configure"/>, validated by <typeparamref name="TValidator"/> when the host starts, and builds the
    /// provider from the options, the logger factory and the services. Provider packages call this from their
    /// <c>UseXyz(...)</c> method.
    /// </summary>
    public EventingBuilder UseProvider<TOptions, TValidator>(
        Action<TOptions>? configure, Func<TOptions, ILoggerFactory, IServiceProvider, IProvider> factory)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        ArgumentNullException.ThrowIfNull(factory);
        var options = Services.AddOptions<TOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
        return UseProvider(services => factory(
            services.GetRequiredService<IOptions<TOptions>>().Value,
            services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance,
            services));
    }

    /// <summary>Uses a provider; provider packages call this from their <c>UseXyz(...)</c> method.</summary>
    public EventingBuilder UseProvider(Func<IServiceProvider, IProvider> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        if (Setup.HasProvider)
        {
            throw new InvalidOperationException("Eventing already has a provider. Call exactly one of UseLocal(), UseRabbitMq(...), UseAmqp(...) or UseStomp(...).");
        }

        Setup.HasProvider = true;
        Services.AddSingleton(factory);
        return this;
    }

    private static Type? FindEventType(Type listenerType)
    {
        for (var type = listenerType; type is not null; type = type.BaseType)
        {
            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(EventListener<>))
            {
                return type.GetGenericArguments()[0];
            }
        }

        return null;
    }
}
