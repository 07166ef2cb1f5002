using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.RateLimiting;
using Eventing.Providers;
using Eventing.RabbitMq.Connections;
using Eventing.RabbitMq.Diagnostics;
using Eventing.RabbitMq.Wire;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Eventing.RabbitMq.Sending;

/// <summary>
/// Publishes on the publishing connection: a confirming channel for durable sends and dead letters (many confirms
/// in flight) and a plain channel for the others. Both are the provider's own, not RabbitMQ.Client's recovered
/// ones: after a lost connection they are replaced by fresh ones (see <see cref="PublishChannel"/>) and the sends
/// they had not confirmed are sent again, all within <see cref="RabbitMqProviderOptions.SendTimeout"/>.
/// </summary>
internal sealed class RabbitMqSendPath : IDisposable
{
    private const int MaxPooledTimeouts = 1024;

    private readonly RabbitMqConnection _connection;
    private readonly RabbitMqProviderOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _channelGate = new(1, 1);
    private readonly ConcurrentQueue<CancellationTokenSource> _timeouts = new();
    private PublishChannel? _confirmChannel;
    private PublishChannel? _plainChannel;

    public RabbitMqSendPath(RabbitMqConnection connection, RabbitMqProviderOptions options, ILogger logger)
    {
        _connection = connection;
        _options = options;
        _logger = logger;
        connection.Lost += () =>
        {
            _confirmChannel?.MarkLost();
            _plainChannel?.MarkLost();
        };
    }

    /// <summary>The plain channel, for the declarations made at start.</summary>
    public IChannel PlainChannel => (_plainChannel ?? throw _connection.NotStarted()).Channel;

    /// <summary>Opens both channels on a new publishing connection.</summary>
    public async Task OpenAsync(IConnection connection, CancellationToken cancellationToken)
    {
        _confirmChannel = await OpenChannelAsync(connection, durable: true, cancellationToken).ConfigureAwait(false);
        _plainChannel = await OpenChannelAsync(connection, durable: false, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask PublishAsync(string exchange, string routingKey, Envelope envelope, bool durable, bool mandatory, CancellationToken cancellationToken) =>
        PublishAsync(exchange, routingKey, envelope, PropertiesFor(envelope, durable), mandatory, cancellationToken);

    /// <summary>The properties and headers of <paramref name="envelope"/> with this provider's header settings.</summary>
    public BasicProperties PropertiesFor(Envelope envelope, bool durable) =>
        RabbitMqWire.ToProperties(envelope, durable, _options.RepeatNativePropertiesInHeaders);

    /// <summary>Publishes with properties the caller built from the envelope (and added routing headers to).</summary>
    public async ValueTask PublishAsync(string exchange, string routingKey, Envelope envelope, BasicProperties properties, bool mandatory, CancellationToken cancellationToken)
    {
        var durable = properties.DeliveryMode == DeliveryModes.Persistent;
        var deadline = new SendDeadline(_options.SendTimeout);
        Exception? cause = null;
        while (true)
        {
            var lane = await ChannelAsync(envelope, durable, deadline, cause, cancellationToken).ConfigureAwait(false);
            var timeout = RentTimeout(deadline.Remaining, cancellationToken, out var registration);
            // A publish waiting on a channel that is lost meanwhile (its confirm, or RabbitMQ.Client's confirmation
            // lock) is cancelled and sent again on the channel's successor instead of waiting out SendTimeout.
            var lost = lane.Lost.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), timeout);
            try
            {
                // With confirmation tracking this completes when the broker confirmed the message; concurrent calls
                // pipeline up to MaxOutstandingConfirms, and nothing is locked while a confirm is awaited.
                await lane.Channel.BasicPublishAsync(exchange, routingKey, mandatory, properties, envelope.Body, timeout.Token).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException exception) when (!cancellationToken.IsCancellationRequested && lane.IsLost)
            {
                Log.SendInterrupted(_logger, envelope.Id, "the channel was lost before the broker confirmed", _connection.Endpoint);
                cause = exception;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw SendTimedOut(envelope, "no publisher confirm arrived", cause);
            }
            catch (PublishException returned) when (returned.IsReturn)
            {
                throw Unroutable(envelope, routingKey, returned);
            }
            catch (Exception exception) when (lane.IsLost || IsConnectionProblem(exception))
            {
                // Never publish on it again, whatever state it claims: the next attempt opens a fresh channel.
                lane.MarkLost();
                Log.SendInterrupted(_logger, envelope.Id, exception.Message, _connection.Endpoint);
                cause = exception;
            }
            finally
            {
                // First the lost registration, so it cannot cancel the source once it is back in the pool.
                lost.Dispose();
                ReturnTimeout(timeout, registration);
            }
        }
    }

    public void Dispose()
    {
        _channelGate.Dispose();
        while (_timeouts.TryDequeue(out var timeout))
        {
            timeout.Dispose();
        }
    }

    /// <summary>
    /// The channel to publish on: the current one while it is usable, otherwise a fresh one once the connection is
    /// back (recovered by RabbitMQ.Client), waiting for that at most until SendTimeout.
    /// </summary>
    private async ValueTask<PublishChannel> ChannelAsync(Envelope envelope, bool durable, SendDeadline deadline, Exception? cause, CancellationToken cancellationToken)
    {
        while (true)
        {
            var current = (durable ? _confirmChannel : _plainChannel) ?? throw _connection.NotStarted();
            if (current.IsUsable)
            {
                return current;
            }

            var remaining = deadline.Remaining;
            if (remaining <= TimeSpan.Zero)
            {
                throw SendTimedOut(envelope, "the broker is unreachable", cause);
            }

            var connection = _connection.Publishing ?? throw new InvalidOperationException($"The RabbitMQ provider for {_connection.Endpoint} was stopped during a send.");
            var signal = _connection.Available;
            if (!signal.IsCompleted)
            {
                try
                {
                    await signal.WaitAsync(remaining, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    throw SendTimedOut(envelope, "the broker is unreachable", cause);
                }

                continue;
            }

            if (connection.IsOpen)
            {
                using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                bounded.CancelAfter(remaining);
                try
                {
                    return await RenewAsync(connection, current, durable, bounded.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException exception) when (!cancellationToken.IsCancellationRequested)
                {
                    throw SendTimedOut(envelope, "no publish channel could be opened", exception);
                }
                catch (Exception exception) when (IsConnectionProblem(exception))
                {
                    // Lost again while opening: wait for the next recovery.
                    cause = exception;
                }
            }

            // The connection is down but its shutdown event has not been raised yet, or it was lost again while a
            // channel was opened: poll briefly instead of spinning.
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(100, remaining.TotalMilliseconds)), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<PublishChannel> RenewAsync(IConnection connection, PublishChannel lost, bool durable, CancellationToken cancellationToken)
    {
        await _channelGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var current = (durable ? _confirmChannel : _plainChannel) ?? throw _connection.NotStarted();
            if (!ReferenceEquals(current, lost) && current.IsUsable)
            {
                return current;
            }

            current.MarkLost();
            var fresh = await OpenChannelAsync(connection, durable, cancellationToken).ConfigureAwait(false);
            current.Retire();
            if (durable)
            {
                _confirmChannel = fresh;
            }
            else
            {
                _plainChannel = fresh;
            }

            Log.PublishChannelOpened(_logger, durable ? "confirming" : "plain", _connection.Endpoint);
            return fresh;
        }
        finally
        {
            _channelGate.Release();
        }
    }

    private async Task<PublishChannel> OpenChannelAsync(IConnection connection, bool durable, CancellationToken cancellationToken)
    {
        var channel = durable
            ? await connection.CreateChannelAsync(ConfirmChannelOptions(_options.MaxOutstandingConfirms), cancellationToken).ConfigureAwait(false)
            : await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        return new PublishChannel(channel);
    }

    // A queueing limiter: RabbitMQ.Client's default ThrottlingRateLimiter fails a publish ("Could not acquire a
    // lease") once its permits are taken, while SendAsync must wait for a slot however many sends are in flight.
    private static CreateChannelOptions ConfirmChannelOptions(int maxOutstandingConfirms) =>
        new(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true,
            outstandingPublisherConfirmationsRateLimiter: new ConcurrencyLimiter(new ConcurrencyLimiterOptions
            {
                PermitLimit = maxOutstandingConfirms,
                QueueLimit = int.MaxValue,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            }));


    // Timeout sources are pooled: a send that completes in time resets its source for the next one, so the
    // hot path allocates no CancellationTokenSource and no timer.
    private CancellationTokenSource RentTimeout(TimeSpan remaining, CancellationToken cancellationToken, out CancellationTokenRegistration registration)
    {
        if (!_timeouts.TryDequeue(out var timeout))
        {
            timeout = new CancellationTokenSource();
        }

        timeout.CancelAfter(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
        registration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), timeout)
            : default;
        return timeout;
    }

    // A cancelled source cannot be reset: it is disposed instead of pooled.
    private void ReturnTimeout(CancellationTokenSource timeout, CancellationTokenRegistration registration)
    {
        registration.Dispose();
        if (_timeouts.Count < MaxPooledTimeouts && timeout.TryReset())
        {
            _timeouts.Enqueue(timeout);
        }
        else
        {
            timeout.Dispose();
        }
    }

    private static bool IsConnectionProblem(Exception exception) =>
        exception is AlreadyClosedException or OperationInterruptedException or ObjectDisposedException or IOException
            || (exception is PublishException { IsReturn: false } && exception.InnerException is AlreadyClosedException or OperationInterruptedException);

    private BrokerUnreachableException SendTimedOut(Envelope envelope, string why, Exception? cause) =>
        new(_connection.Endpoint, string.Create(CultureInfo.InvariantCulture,
            $"could not send message {envelope.Id} ({envelope.Type}) to RabbitMQ at {_connection.Endpoint} within {_options.SendTimeout.TotalSeconds:0.#} s: {why}. The message was not confirmed; send it again or raise RabbitMqProviderOptions.SendTimeout. Check that the broker is running, reachable from this host and not blocking publishers (a memory or disk alarm shows in `rabbitmq-diagnostics alarms`)."),
            cause);

    // Only dead letters are published mandatory, to the default exchange with the dead-letter queue as routing key.
    private InvalidOperationException Unroutable(Envelope envelope, string routingKey, PublishException returned) =>
        new($"RabbitMQ at {_connection.Endpoint} returned the dead letter of message {envelope.Id} ({envelope.Type}) as unroutable: " +
            $"the dead-letter queue '{routingKey}' does not exist (deleted?). The message stays in its listener queue; " +
            "declare the dead-letter queue again (restarting the listener does).",
            returned);
}
