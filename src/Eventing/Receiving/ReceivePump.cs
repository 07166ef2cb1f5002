using Eventing.DeadLetters;
using Eventing.Diagnostics;
using Eventing.Pipelines;
using Eventing.Providers;
using Eventing.Retry;
using Microsoft.Extensions.Logging;

namespace Eventing.Receiving;

/// <summary>
/// The one receive loop of every provider. It reads a subscription's deliveries, runs each through the listener's
/// chain — dead-letter stage, envelope checks, retry stage, the pipelines, then deserialization, the DI scope and
/// the listener — within the listener's concurrency, and settles each delivery exactly once with what the chain
/// decided: ack when handled or dead-lettered, requeue when cancelled at shutdown or the dead letter was refused.
/// Nothing a delivery contains can make it throw or stop.
/// </summary>
internal sealed class ReceivePump : IAsyncDisposable
{
    // How long handlers get to observe cancellation before their deliveries are handed back regardless.
    private static readonly TimeSpan AbandonGrace = TimeSpan.FromSeconds(2);

    // How long stop waits for the loop to leave a handler the pump gave up on.
    private static readonly TimeSpan LoopExitWait = TimeSpan.FromSeconds(1);

    private readonly ListenerDescriptor _listener;
    private readonly IProviderSubscription _subscription;
    private readonly EnvelopeHandler _chain;
    private readonly DeadLetterStage _deadLetters;
    private readonly ListenerTelemetry _telemetry;
    private readonly Action<ReceivePump> _stopped;
    private readonly TimeSpan _shutdownTimeout;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim? _slots;
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Delivery?[] _active;
    private readonly Lock _gate = new();
    private Task _loop = Task.CompletedTask;
    private Task? _stop;
    private int _inFlight;

    public ReceivePump(
        ListenerDescriptor listener,
        IProviderSubscription subscription,
        IReadOnlyList<IEnvelopePipeline> pipelines,
        EnvelopeHandler invoker,
        IProvider provider,
        EventingOptions options,
        Action<ReceivePump> stopped,
        ILogger logger,
        ListenerTelemetry telemetry)
    {
        _listener = listener;
        _subscription = subscription;
        _stopped = stopped;
        _shutdownTimeout = options.ShutdownTimeout;
        _logger = logger;
        _slots = listener.Concurrency > 1 ? new SemaphoreSlim(listener.Concurrency, listener.Concurrency) : null;
        _active = new Delivery?[listener.Concurrency];
        _telemetry = telemetry;
        _deadLetters = new DeadLetterStage(listener, provider, logger, telemetry, _stopping.Token);
        var checks = new EnvelopeCheckStage(listener, options.MaxEnvelopeBytes);
        var retries = new RetryStage(listener, logger, telemetry);
        IEnvelopePipeline[] stages = listener.Retry.Delayed.Count == 0 || provider is not IDelayedRedelivery redelivery
            ? [_deadLetters, checks, retries, .. pipelines]
            : [_deadLetters, checks, new DelayedRetryStage(listener, redelivery, logger, _stopping.Token), retries, .. pipelines];
        _chain = PipelineChain.Compose(stages, listener, invoker);
    }

    public ListenerDescriptor Listener => _listener;

    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>
    /// True when the loop ended although nobody stopped it (the provider completed the subscription's deliveries):
    /// the listener receives nothing, whatever the connection's state.
    /// </summary>
    public bool HasEndedUnexpectedly => Volatile.Read(ref _loop) is { IsCompleted: true } loop && loop != Task.CompletedTask && !_stopping.IsCancellationRequested;

    public void Start() => _loop = Task.Run(PumpAsync, CancellationToken.None);

    /// <summary>Stops gracefully: once, however often it is called.</summary>
    public Task StopAsync()
    {
        lock (_gate)
        {
            return _stop ??= StopCoreAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stopped(this);
        await StopAsync().ConfigureAwait(false);
    }

    private async Task StopCoreAsync()
    {
        // Order matters: read no more and requeue what is still handed in, then stop the consumer so the broker
        // sends no more, then let in-flight handlers finish, and only then close the consumer.
        BeginStop();
        await _subscription.StopReceivingAsync(CancellationToken.None).ConfigureAwait(false);
        await DrainAsync().ConfigureAwait(false);

        // After a normal drain the loop ends at once. If a handler ignored cancellation, the loop (with a
        // concurrency of 1) is still inside it and ends whenever that handler does: do not wait for it.
        await Task.WhenAny(_loop, Task.Delay(LoopExitWait)).ConfigureAwait(false);
        await _subscription.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
        _abort.Dispose();
        _slots?.Dispose();
        Log.Unsubscribed(_logger, _listener.Queue);
    }

    private async Task PumpAsync()
    {
        var reader = _subscription.Deliveries;
        var token = _stopping.Token;
        try
        {
            while (await reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                while (!token.IsCancellationRequested && reader.TryRead(out var delivery))
                {
                    if (!delivery.IsStale)
                    {
                        await HandleAsync(delivery).ConfigureAwait(false);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopped: what was not read is given back by the provider (or the broker, when the consumer closes).
        }
    }

    private ValueTask HandleAsync(Delivery delivery)
    {
        Interlocked.Increment(ref _inFlight);
        _telemetry.Consumed();
        if (_stopping.IsCancellationRequested)
        {
            return RequeueAndLeaveAsync(delivery);
        }

        // With a concurrency of 1 the delivery runs inline: the next is read only after this one was settled,
        // which keeps order and costs no task per message.
        return _slots is null ? ProcessAndLeaveAsync(delivery) : StartConcurrentAsync(delivery);
    }

    private void BeginStop()
    {
        _stopping.Cancel();
        if (Volatile.Read(ref _inFlight) == 0)
        {
            _drained.TrySetResult();
        }
    }

    /// <summary>Waits for in-flight handlers; after the shutdown timeout cancels them (their messages are requeued).</summary>
    private async Task DrainAsync()
    {
        try
        {
            await _drained.Task.WaitAsync(_shutdownTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Log.ShutdownTimedOut(_logger, _listener.Queue, InFlight, _shutdownTimeout);
            await _abort.CancelAsync().ConfigureAwait(false);
            try
            {
                await _drained.Task.WaitAsync(AbandonGrace).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                await AbandonActiveAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task AbandonActiveAsync()
    {
        // A handler that ignores its token must not hold shutdown forever. Its delivery goes back to the
        // broker now (at-least-once: it may run again elsewhere); whatever the handler does later is ignored.
        for (var i = 0; i < _active.Length; i++)
        {
            if (Interlocked.Exchange(ref _active[i], null) is { } abandoned)
            {
                Log.Abandoned(_logger, _listener.Queue, abandoned.Envelope.Id);
                await RequeueOnceAsync(abandoned).ConfigureAwait(false);
            }
        }
    }

    private async ValueTask StartConcurrentAsync(Delivery delivery)
    {
        try
        {
            await _slots!.WaitAsync(_stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await RequeueAndLeaveAsync(delivery).ConfigureAwait(false);
            return;
        }

        _ = RunConcurrentAsync(delivery);
    }

    private async Task RunConcurrentAsync(Delivery delivery)
    {
        try
        {
            await ProcessAndLeaveAsync(delivery).ConfigureAwait(false);
        }
        finally
        {
            _slots!.Release();
        }
    }

    private async ValueTask RequeueAndLeaveAsync(Delivery delivery)
    {
        try
        {
            await RequeueOnceAsync(delivery).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            Log.SettleFailed(_logger, exception, delivery.Envelope.Id, _listener.Queue);
        }
        finally
        {
            Leave();
        }
    }

    private async ValueTask ProcessAndLeaveAsync(Delivery delivery)
    {
        var slot = Enter(delivery);
        try
        {
            await ProcessAsync(delivery).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            // Settling failed (connection lost): the broker redelivers an unacknowledged message.
            Log.SettleFailed(_logger, exception, delivery.Envelope.Id, _listener.Queue);
        }
        finally
        {
            if (slot >= 0)
            {
                Interlocked.CompareExchange(ref _active[slot], null, delivery);
            }

            Leave();
        }
    }

    private ValueTask ProcessAsync(Delivery delivery)
    {
        // ProcessAndLeaveAsync, an async method, is the boundary of one delivery: whatever the stages inside set in
        // the execution context (Activity.Current, a pipeline's AsyncLocal) ends there. Inside it, a delivery whose
        // chain completes at once is acked without another state machine.
        var handling = Handle(delivery);
        if (!handling.IsCompletedSuccessfully)
        {
            return SettleAsync(delivery, handling);
        }

        handling.GetAwaiter().GetResult();
        return AckOnceAsync(delivery);
    }

    private ValueTask Handle(Delivery delivery)
    {
        if (delivery.DecodeFailure is not { } unreadable)
        {
            return _chain.Start(delivery.Envelope, _abort.Token);
        }

        // The provider could not map the wire message (a header of the wrong type, a frame over a limit).
        var reason = unreadable is EnvelopeTooLargeException ? DeadLetterReasons.TooLarge : DeadLetterReasons.Malformed;
        return _deadLetters.DeadLetterAsync(delivery.Envelope, reason, unreadable, unreadable.Message, 0);
    }

    private async ValueTask SettleAsync(Delivery delivery, ValueTask handling)
    {
        try
        {
            await handling.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
            Log.Requeued(_logger, _listener.Queue, delivery.Envelope.Id);
            await RequeueOnceAsync(delivery).ConfigureAwait(false);
            return;
        }
        catch (CopyRefusedException)
        {
            await RequeueOnceAsync(delivery).ConfigureAwait(false);
            return;
        }

        await AckOnceAsync(delivery).ConfigureAwait(false);
    }

    private int Enter(Delivery delivery)
    {
        // At most Concurrency deliveries are processed at once, so a free slot always exists.
        for (var i = 0; i < _active.Length; i++)
        {
            if (Interlocked.CompareExchange(ref _active[i], delivery, null) is null)
            {
                return i;
            }
        }

        return -1;
    }

    private static ValueTask AckOnceAsync(Delivery delivery) =>
        Interlocked.Exchange(ref delivery.Settled, 1) == 0 ? delivery.AckAsync(CancellationToken.None) : default;

    private static ValueTask RequeueOnceAsync(Delivery delivery) =>
        Interlocked.Exchange(ref delivery.Settled, 1) == 0 ? delivery.RequeueAsync(CancellationToken.None) : default;

    private void Leave()
    {
        if (Interlocked.Decrement(ref _inFlight) == 0 && _stopping.IsCancellationRequested)
        {
            _drained.TrySetResult();
        }
    }
}
