using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Eventing.Diagnostics;
using Eventing.Listeners;
using Eventing.Receiving;
using Eventing.Pipelines;
using Eventing.Providers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Eventing.Hosting;

/// <summary>
/// The event manager: the send path (serialize, pipelines, provider) and the subscriptions of every listener.
/// One per service provider, so two buses can live in one process.
/// </summary>
internal sealed partial class EventManager : IEventManager, IEnvelopeSender, IAsyncDisposable
{
    private readonly EventingSetup _setup;
    private readonly EventRegistry _registry;
    private readonly IEnvelopePipeline[] _pipelines;
    private readonly IEnvelopePipeline[] _sendPipelines;
    private readonly IProvider _provider;
    private readonly IServiceScopeFactory _scopes;
    private readonly IServiceProvider _services;
    private readonly EventingOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly EventingMetrics _metrics;
    private readonly EventingTracing _tracing;
    private readonly SendTelemetry _sendTelemetry;
    private readonly Lock _gate = new();
    private readonly List<ReceivePump> _pumps = [];
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _providerStart;
    private volatile bool _providerReady;
    private bool _stopped;

    public EventManager(
        EventingSetup setup,
        EventRegistry registry,
        IEnumerable<IEnvelopePipeline> pipelines,
        IProvider provider,
        IServiceScopeFactory scopes,
        IServiceProvider services,
        IOptions<EventingOptions> options,
        ILoggerFactory loggerFactory,
        EventingMetrics metrics,
        EventingTracing tracing)
    {
        _setup = setup;
        _registry = registry;
        _pipelines = [.. pipelines];
        _sendPipelines = Array.FindAll(_pipelines, HasSendStage);
        _provider = provider;
        _scopes = scopes;
        _services = services;
        _options = options.Value;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<EventManager>();
        _metrics = metrics;
        _tracing = tracing;
        _sendTelemetry = new SendTelemetry(tracing, metrics, provider.MessagingSystem);
        metrics.ObserveInFlight(ObserveInFlight);
        if (provider.Health is { } health)
        {
            metrics.ObserveConnections(() => ObserveConnectionState(health), () => ObserveReconnects(health));
        }
    }

    internal IProvider Provider => _provider;

    /// <summary>True once every listener subscribed.</summary>
    internal bool IsStarted => _started.Task.IsCompletedSuccessfully;

    /// <summary>The pipelines that run on send: those with a send stage of their own.</summary>
    internal IReadOnlyList<IEnvelopePipeline> SendPipelines => _sendPipelines;

    public ValueTask SendAsync<TEvent>(TEvent @event, IEnumerable<KeyValuePair<string, string>>? headers = null, CancellationToken cancellationToken = default)
        where TEvent : notnull
    {
        var envelope = CreateEnvelope(@event, headers, out var descriptor);
        if (_sendPipelines.Length == 0 && descriptor.ContentMode == ContentMode.Binary && _providerReady && !_sendTelemetry.IsObserved)
        {
            // Nothing to run, trace or time: hand it over, and count it once it is sent.
            var sending = _provider.SendAsync(envelope, descriptor, cancellationToken);
            if (sending.IsCompletedSuccessfully)
            {
                sending.GetAwaiter().GetResult();
                _sendTelemetry.Sent(descriptor);
                return default;
            }

            // With nothing counting sends either, the provider's task is the caller's: no state machine per send.
            return _sendTelemetry.IsCounted ? CountWhenSentAsync(sending, descriptor) : sending;
        }

        return SendTracedAsync(envelope, descriptor, default, runPipelines: true, dueAt: null, cancellationToken);
    }

    public ValueTask SendAsync<TEvent>(TEvent @event, SendOptions options, CancellationToken cancellationToken)
        where TEvent : notnull
    {
        ArgumentNullException.ThrowIfNull(options);
        var dueAt = options.DueAt(DateTimeOffset.UtcNow);
        if (dueAt is null)
        {
            return SendAsync(@event, options.Headers, cancellationToken);
        }

        if (_provider is not IScheduledDelivery)
        {
            throw CannotSchedule();
        }

        var envelope = CreateEnvelope(@event, options.Headers, out var descriptor);
        return SendTracedAsync(envelope, descriptor, default, runPipelines: true, dueAt, cancellationToken);
    }

    public ValueTask ScheduleAsync<TEvent>(TEvent @event, DateTimeOffset deliverAt, CancellationToken cancellationToken = default)
        where TEvent : notnull =>
        SendAsync(@event, new SendOptions { DeliverAt = deliverAt }, cancellationToken);

    private NotSupportedException CannotSchedule() => new(
        $"The {_provider.Name} provider cannot hold an event until a due time (SendOptions.Delay, ScheduleAsync). " +
        "Schedule it through the outbox (IOutbox.ScheduleAsync), or use a provider whose broker holds messages (UseLocal, UseRabbitMq, UseStomp on ActiveMQ).");

    public async ValueTask<(Envelope Envelope, EventDescriptor Event)> CreateEnvelopeAsync<TEvent>(
        TEvent @event,
        IEnumerable<KeyValuePair<string, string>>? headers = null,
        CancellationToken cancellationToken = default)
        where TEvent : notnull
    {
        var envelope = CreateEnvelope(@event, headers, out var descriptor);

        // The outbox records the envelope now and sends it later: a create span, whose context travels in the row.
        using var activity = _sendTelemetry.Start(envelope, descriptor, MessagingAttributes.Create, default);
        await RunSendPipelinesAsync(envelope, descriptor, cancellationToken).ConfigureAwait(false);
        return (envelope, descriptor);
    }

    private Envelope CreateEnvelope(object @event, IEnumerable<KeyValuePair<string, string>>? headers, out EventDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(@event);
        descriptor = _registry.Get(@event.GetType());
        var envelope = new Envelope(descriptor.Name, JsonSerializer.SerializeToUtf8Bytes(@event, descriptor.TypeInfo!))
        {
            Source = _options.Source,
        };
        if (headers is not null)
        {
            foreach (var header in headers)
            {
                envelope.Headers[header.Key] = header.Value;
            }
        }

        return envelope;
    }

    public bool TryGetEvent(string name, out EventDescriptor descriptor) => _registry.TryGet(name, out descriptor);

    /// <summary>
    /// Sends an envelope built elsewhere (the outbox, tools): pipelines have already run or are not wanted. The send
    /// continues the trace the envelope carries, so an event recorded in a request is sent within that request's trace.
    /// </summary>
    public ValueTask SendEnvelopeAsync(Envelope envelope, EventDescriptor descriptor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(descriptor);
        var parent = TraceContext.TryExtract(envelope, out var recorded) ? recorded : default;
        return SendTracedAsync(envelope, descriptor, parent, runPipelines: false, dueAt: null, cancellationToken);
    }

    /// <summary>Runs the send pipelines on an envelope, first registered first.</summary>
    internal async ValueTask RunSendPipelinesAsync(Envelope envelope, EventDescriptor descriptor, CancellationToken cancellationToken)
    {
        foreach (var pipeline in _sendPipelines)
        {
            await pipeline.SendAsync(envelope, descriptor, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask<IAsyncDisposable> SubscribeAsync<TEvent>(
        string listenerName,
        Func<TEvent, EventContext, CancellationToken, ValueTask> callback,
        bool perProcess = false,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var descriptor = _registry.Get(typeof(TEvent));
        var listener = new ListenerDescriptor(descriptor, listenerName, perProcess, _options.ProcessId, _options.DefaultConcurrency, _options.DefaultRetry);
        var pipelines = PipelineChain.Bind(_pipelines, listener);
        var invoker = new CallbackInvoker<TEvent>(listener, _scopes, pipelines, callback);
        await EnsureProviderStartedAsync(cancellationToken).ConfigureAwait(false);
        return await SubscribeAsync(listener, pipelines, invoker, cancellationToken).ConfigureAwait(false);
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await EnsureProviderStartedAsync(cancellationToken).ConfigureAwait(false);
        foreach (var (eventType, name) in _setup.Provisioned)
        {
            var queue = new ListenerDescriptor(_registry.Get(eventType), name, perProcess: false, _options.ProcessId);
            await _provider.ProvisionAsync(queue, cancellationToken).ConfigureAwait(false);
            Log.Provisioned(_logger, queue.Queue);
        }

        ServiceDescriptor[] registrations = [.. _setup.Services];
        foreach (var registration in _setup.Listeners)
        {
            var listener = Describe(registration);
            var pipelines = PipelineChain.Bind(_pipelines, listener);
            var unscoped = UnscopedListenerFactory.TryCreate(registration.ListenerType, registrations, _services);
            var invoker = registration.CreateInvoker(listener, _scopes, pipelines, unscoped);
            await SubscribeAsync(listener, pipelines, invoker, cancellationToken).ConfigureAwait(false);
        }

        Log.Started(_logger, _provider.Name, _setup.Listeners.Count);
        _started.TrySetResult();
    }

    public Task WhenStartedAsync(CancellationToken cancellationToken) => _started.Task.WaitAsync(cancellationToken);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        ReceivePump[] pumps;
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }

            _stopped = true;
            pumps = [.. _pumps];
            _pumps.Clear();
        }

        await Task.WhenAll(pumps.Select(pump => pump.StopAsync())).ConfigureAwait(false);
        if (_providerStart is not null)
        {
            await _provider.StopAsync(cancellationToken).ConfigureAwait(false);
        }

        Log.Stopped(_logger, _provider.Name);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _provider.DisposeAsync().ConfigureAwait(false);
    }

    private async ValueTask SendTracedAsync(
        Envelope envelope, EventDescriptor descriptor, ActivityContext parent, bool runPipelines, DateTimeOffset? dueAt, CancellationToken cancellationToken)
    {
        var started = _sendTelemetry.Timestamp();
        var activity = _sendTelemetry.Start(envelope, descriptor, MessagingAttributes.Send, parent);
        try
        {
            if (runPipelines)
            {
                await RunSendPipelinesAsync(envelope, descriptor, cancellationToken).ConfigureAwait(false);
            }

            await EnsureProviderStartedAsync(cancellationToken).ConfigureAwait(false);
            if (descriptor.ContentMode == ContentMode.Structured && !envelope.IsStructured)
            {
                envelope = StructuredCloudEvent.ToStructured(envelope);
            }

            if (dueAt is { } due)
            {
                await ((IScheduledDelivery)_provider).ScheduleAsync(envelope, descriptor, due, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await _provider.SendAsync(envelope, descriptor, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception exception)
        {
            _sendTelemetry.Complete(activity, descriptor, started, exception);
            throw;
        }

        _sendTelemetry.Complete(activity, descriptor, started, null);
    }

    private async ValueTask CountWhenSentAsync(ValueTask sending, EventDescriptor descriptor)
    {
        try
        {
            await sending.ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            _sendTelemetry.Complete(null, descriptor, 0, exception);
            throw;
        }

        _sendTelemetry.Sent(descriptor);
    }

    private Task EnsureProviderStartedAsync(CancellationToken cancellationToken)
    {
        if (_providerReady)
        {
            return Task.CompletedTask;
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopped, this);
            if (_providerStart is null || _providerStart.IsFaulted || _providerStart.IsCanceled)
            {
                _providerStart = StartProviderAsync(cancellationToken);
            }

            return _providerStart;
        }
    }

    private async Task StartProviderAsync(CancellationToken cancellationToken)
    {
        await _provider.StartAsync(cancellationToken).ConfigureAwait(false);
        _providerReady = true;
    }

    private async Task<ReceivePump> SubscribeAsync(ListenerDescriptor listener, IReadOnlyList<IEnvelopePipeline> pipelines, EventInvoker invoker, CancellationToken cancellationToken)
    {
        if (listener.Retry.Delayed.Count > 0 && _provider is not IDelayedRedelivery)
        {
            throw new InvalidOperationException(
                $"Listener '{listener.Name}' asks for delayed retries (Retry(immediate: ..., delayed: [...])), but the {_provider.Name} provider cannot " +
                "hand a message back to the broker for later. Remove the delayed retries, or use a provider that supports them (UseLocal, UseRabbitMq).");
        }

        var subscription = await _provider.SubscribeAsync(listener, cancellationToken).ConfigureAwait(false);
        var pump = new ReceivePump(listener, subscription, pipelines, invoker.InvokeAsync, _provider, _options, Forget, _loggerFactory.CreateLogger<ReceivePump>(), new ListenerTelemetry(listener, _provider.MessagingSystem, _tracing, _metrics));
        lock (_gate)
        {
            _pumps.Add(pump);
        }

        pump.Start();
        Log.Subscribed(_logger, listener.Queue, listener.Concurrency);
        return pump;
    }

    // A pipeline derived from EnvelopePipeline that does not override SendAsync has nothing to do on send (the
    // idempotency pipeline, for one): leaving it out keeps such applications on the send fast path.
    private static bool HasSendStage(IEnvelopePipeline pipeline) =>
        pipeline is not EnvelopePipeline
        || pipeline.GetType().GetMethod(nameof(IEnvelopePipeline.SendAsync), [typeof(Envelope), typeof(EventDescriptor), typeof(CancellationToken)])?.DeclaringType != typeof(EnvelopePipeline);

    /// <summary>The receive loops running now, for the health check.</summary>
    internal ReceivePump[] Pumps()
    {
        lock (_gate)
        {
            return [.. _pumps];
        }
    }

    private IEnumerable<Measurement<long>> ObserveInFlight()
    {
        foreach (var pump in Pumps())
        {
            yield return new Measurement<long>(
                pump.InFlight,
                new KeyValuePair<string, object?>(MessagingAttributes.ConsumerGroup, pump.Listener.Name),
                new KeyValuePair<string, object?>(MessagingAttributes.SubscriptionName, pump.Listener.Queue));
        }
    }

    private IEnumerable<Measurement<int>> ObserveConnectionState(ProviderHealth health)
    {
        var snapshot = health.Snapshot();
        yield return new Measurement<int>(snapshot.IsConnected ? 1 : 0, ProviderTags(snapshot));
    }

    private IEnumerable<Measurement<long>> ObserveReconnects(ProviderHealth health)
    {
        var snapshot = health.Snapshot();
        yield return new Measurement<long>(snapshot.Reconnects, ProviderTags(snapshot));
    }

    private KeyValuePair<string, object?>[] ProviderTags(ProviderHealthSnapshot snapshot) =>
    [
        new(MessagingAttributes.System, _provider.MessagingSystem),
        new(MessagingAttributes.Endpoint, snapshot.Endpoint),
    ];

    private void Forget(ReceivePump pump)
    {
        lock (_gate)
        {
            _pumps.Remove(pump);
        }
    }

    private ListenerDescriptor Describe(ListenerRegistration registration)
    {
        var attribute = (EventListenerAttribute?)Attribute.GetCustomAttribute(registration.ListenerType, typeof(EventListenerAttribute));
        var name = registration.Name ?? attribute?.Name ?? registration.ListenerType.Name;
        var perProcess = registration.PerProcess ?? attribute?.PerProcess ?? false;
        return new ListenerDescriptor(
            _registry.Get(registration.EventType),
            name,
            perProcess,
            _options.ProcessId,
            registration.Concurrency ?? _options.DefaultConcurrency,
            registration.Retry ?? _options.DefaultRetry)
        {
            ListenerType = registration.ListenerType,
            Prefetch = registration.Prefetch,
            Properties = new Dictionary<string, object?>(registration.Properties, StringComparer.Ordinal),
        };
    }
}
