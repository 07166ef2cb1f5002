using Eventing.Diagnostics;
using Eventing.Providers;
using Eventing.Retry;
using Microsoft.Extensions.Logging;

namespace Eventing.Listeners;

/// <summary>
/// Owns the outcome of every delivery of one subscription: poison checks, the handling chain, retries with
/// backoff, dead-lettering with the reason, the concurrency limit and graceful stop. A provider only hands
/// deliveries in; nothing a delivery contains can make this throw back into the provider's receive loop.
/// </summary>
internal sealed class ListenerDispatcher : IDeliveryHandler, IDisposable
{
    private readonly ListenerDescriptor _listener;
    private readonly EnvelopeHandler _chain;
    private readonly IProvider _provider;
    private readonly ILogger _logger;
    private readonly EventingMetrics _metrics;
    private readonly int _maxEnvelopeBytes;
    private readonly SemaphoreSlim? _slots;
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Delivery?[] _active;
    private int _inFlight;
    private int _deadLetterFailures;

    public ListenerDispatcher(ListenerDescriptor listener, EnvelopeHandler chain, IProvider provider, int maxEnvelopeBytes, ILogger logger, EventingMetrics metrics)
    {
        _listener = listener;
        _chain = chain;
        _provider = provider;
        _maxEnvelopeBytes = maxEnvelopeBytes;
        _logger = logger;
        _metrics = metrics;
        _slots = listener.Concurrency > 1 ? new SemaphoreSlim(listener.Concurrency, listener.Concurrency) : null;
        _active = new Delivery?[listener.Concurrency];
    }

    public int InFlight => Volatile.Read(ref _inFlight);

    public ValueTask HandleAsync(Delivery delivery, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _inFlight);
        if (_stopping.IsCancellationRequested)
        {
            return RequeueAndLeaveAsync(delivery);
        }

        // With a concurrency of 1 the delivery runs inline: the provider sends the next only after this one
        // was settled, which keeps order and costs no task per message.
        return _slots is null ? ProcessAndLeaveAsync(delivery) : StartConcurrentAsync(delivery);
    }

    /// <summary>No new deliveries from now on: any that still arrive go straight back to the broker.</summary>
    public void BeginStop()
    {
        _stopping.Cancel();
        if (Volatile.Read(ref _inFlight) == 0)
        {
            _drained.TrySetResult();
        }
    }

    /// <summary>Waits for in-flight handlers; after <paramref name="timeout"/> cancels them (their messages are requeued).</summary>
    public async Task DrainAsync(TimeSpan timeout)
    {
        BeginStop();
        try
        {
            await _drained.Task.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Log.ShutdownTimedOut(_logger, _listener.Queue, InFlight, timeout);
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

    // How long handlers get to observe cancellation before their deliveries are handed back regardless.
    private static readonly TimeSpan AbandonGrace = TimeSpan.FromSeconds(2);

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

    private int Enter(Delivery delivery)
    {
        // At most Concurrency deliveries are processed at once, so a free slot exists unless a provider breaks
        // the one-call-at-a-time contract; such a delivery is simply not tracked for abandonment.
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

    private async ValueTask ProcessAsync(Delivery delivery)
    {
        var envelope = delivery.Envelope;
        if (delivery.DecodeFailure is { } unreadable)
        {
            // The provider could not map the wire message (a header of the wrong type, a frame over a limit): poison.
            var reason = unreadable is EnvelopeTooLargeException ? DeadLetterReasons.TooLarge : DeadLetterReasons.Malformed;
            await DeadLetterAsync(delivery, envelope, reason, unreadable, unreadable.Message, 0).ConfigureAwait(false);
            return;
        }

        if (envelope.Body.Length > _maxEnvelopeBytes)
        {
            await DeadLetterAsync(delivery, envelope, DeadLetterReasons.TooLarge, null,
                $"the envelope has {envelope.Body.Length} bytes, more than MaxEnvelopeBytes ({_maxEnvelopeBytes})", 0).ConfigureAwait(false);
            return;
        }

        if (envelope.IsStructured)
        {
            try
            {
                var redelivered = envelope.Redelivered;
                envelope = StructuredCloudEvent.Decode(envelope.Body);
                envelope.Redelivered = redelivered;
            }
            catch (Exception exception)
            {
                // Any failure to turn the body into an envelope is poison, whatever the decoder threw: a delivery
                // is always settled, never left holding a prefetch slot.
                await DeadLetterAsync(delivery, envelope, DeadLetterReasons.Malformed, exception, exception.Message, 0).ConfigureAwait(false);
                return;
            }
        }

        if (!string.Equals(envelope.Type, _listener.Event.Name, StringComparison.Ordinal))
        {
            await DeadLetterAsync(delivery, envelope, DeadLetterReasons.UnknownEvent, null,
                $"the envelope is event \"{envelope.Type}\" but {_listener.Queue} handles \"{_listener.Event.Name}\"", 0).ConfigureAwait(false);
            return;
        }

        var retry = _listener.Retry;
        for (var attempt = 1; ; attempt++)
        {
            envelope.DeliveryAttempt = attempt;
            try
            {
                await _chain(envelope, _abort.Token).ConfigureAwait(false);
            }
            catch (PoisonMessageException poison)
            {
                await DeadLetterAsync(delivery, envelope, poison.Reason, poison, poison.Message, attempt).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException) when (_abort.IsCancellationRequested)
            {
                Log.Requeued(_logger, _listener.Queue, envelope.Id);
                await RequeueOnceAsync(delivery).ConfigureAwait(false);
                return;
            }
            catch (Exception exception)
            {
                if (attempt >= retry.MaxAttempts)
                {
                    await DeadLetterAsync(delivery, envelope, DeadLetterReasons.Failed, exception, exception.Message, attempt).ConfigureAwait(false);
                    return;
                }

                var delay = retry.DelayAfter(attempt);
                Log.Retrying(_logger, exception, _listener.Queue, attempt, retry.MaxAttempts, envelope.Id, delay);
                _metrics.Retried.Add(1);
                if (delay > TimeSpan.Zero)
                {
                    try
                    {
                        await Task.Delay(delay, _abort.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        Log.Requeued(_logger, _listener.Queue, envelope.Id);
                        await RequeueOnceAsync(delivery).ConfigureAwait(false);
                        return;
                    }
                }

                continue;
            }

            await AckOnceAsync(delivery).ConfigureAwait(false);
            _metrics.Handled.Add(1);
            return;
        }
    }

    private async ValueTask DeadLetterAsync(Delivery delivery, Envelope envelope, string reason, Exception? exception, string problem, int attempt)
    {
        var deadLetter = DeadLetterEnvelope.Create(envelope, reason, exception, problem, attempt, _listener.Queue);
        Log.DeadLettered(_logger, exception, envelope.Id, _listener.Queue, reason, problem);
        try
        {
            await _provider.DeadLetterAsync(deadLetter, _listener, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception sendFailure)
        {
            // Never ack what could not be dead-lettered: give it back so nothing is lost. Hold it for a growing
            // while first, or a dead-letter queue that keeps refusing turns into a hot redelivery loop.
            var failures = Interlocked.Increment(ref _deadLetterFailures);
            var delay = Backoff.Delay(failures, DeadLetterRetryInitial, DeadLetterRetryMax);
            _metrics.DeadLetterFailed.Add(1);
            Log.DeadLetterFailed(_logger, sendFailure, envelope.Id, _listener.Queue, failures, delay);
            try
            {
                await Task.Delay(delay, _stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopping: hand it back now rather than hold up shutdown.
            }

            await RequeueOnceAsync(delivery).ConfigureAwait(false);
            return;
        }

        Volatile.Write(ref _deadLetterFailures, 0);
        await AckOnceAsync(delivery).ConfigureAwait(false);
        _metrics.DeadLettered.Add(1);
    }

    // A dead-letter queue that refuses messages (deleted, full, unroutable) is an operator's problem that lasts:
    // back off from 1 s to 1 min between tries rather than redeliver as fast as the broker can.
    private static readonly TimeSpan DeadLetterRetryInitial = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan DeadLetterRetryMax = TimeSpan.FromMinutes(1);

    public void Dispose()
    {
        _stopping.Dispose();
        _abort.Dispose();
        _slots?.Dispose();
    }

    private void Leave()
    {
        if (Interlocked.Decrement(ref _inFlight) == 0 && _stopping.IsCancellationRequested)
        {
            _drained.TrySetResult();
        }
    }
}
