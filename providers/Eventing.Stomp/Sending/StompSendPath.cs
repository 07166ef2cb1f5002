using Eventing.Providers;
using Eventing.Stomp.Client.Connections;
using Eventing.Stomp.Client.Protocol;
using Eventing.Stomp.Wire;

namespace Eventing.Stomp.Sending;

/// <summary>
/// Sends on the provider's shared connection. Non-durable events are queued for the socket and done; durable ones
/// wait for the RECEIPT that covers them (the connection's writer coalesces the receipts of a run of SENDs), and
/// are sent again on the next connection when the broker went away before answering.
/// </summary>
internal sealed class StompSendPath(StompSession session, StompEndpoints endpoints, TimeSpan timeout) : IDisposable
{
    private readonly SendTimeouts _timeouts = new(timeout);

    /// <summary>Sends <paramref name="envelope"/> to <paramref name="destination"/>.</summary>
    /// <exception cref="BrokerUnreachableException">No connection, or no RECEIPT, within the send timeout.</exception>
    /// <exception cref="StompErrorFrameException">The broker refused the SEND.</exception>
    public ValueTask SendAsync(Envelope envelope, string destination, KeyValuePair<string, string>[] headers, bool durable, CancellationToken cancellationToken)
    {
        if (session.Current is not { } connection)
        {
            return SendConfirmedAsync(envelope, destination, headers, durable, new SendDeadline(timeout), cancellationToken);
        }

        // Non-durable events are fire-and-forget once queued for the socket; no await, no allocation beyond the frame.
        if (!durable)
        {
            try
            {
                connection.Enqueue(StompWire.EncodeSend(envelope, destination, headers, persistent: false, receipt: 0));
                return default;
            }
            catch (StompConnectionLostException)
            {
                // Lost between the check and the write: fall through to the waiting path.
                return SendConfirmedAsync(envelope, destination, headers, durable, new SendDeadline(timeout), cancellationToken);
            }
        }

        // A durable send is its own receipt waiter: the RECEIPT covering it (or an ERROR, a lost connection, its
        // deadline) ends the task returned here, with no async method in between.
        FrameBuffer frame;
        try
        {
            frame = StompWire.EncodeSend(envelope, destination, headers, persistent: true, receipt: 0);
        }
        catch (Exception exception)
        {
            return ValueTask.FromException(exception);
        }

        var send = new PendingSend(this, envelope, destination, headers, timeout, cancellationToken);
        _timeouts.Watch(send);
        try
        {
            // Encoded without a receipt: the connection's writer loop puts one receipt on the last SEND of each
            // run to one destination, and that RECEIPT confirms this send too.
            connection.EnqueueConfirmed(frame, destination, send);
        }
        catch (StompConnectionLostException)
        {
            // Lost between the check and the write: nothing was queued, so it goes the waiting way.
            Resend(send, envelope);
        }

        return new ValueTask(send.Task);
    }

    public void Dispose() => _timeouts.Dispose();

    /// <summary>Sends <paramref name="send"/> again on the next connection; its outcome ends it.</summary>
    internal void Resend(PendingSend send, Envelope envelope) => _ = ResendAsync(send, envelope);

    /// <summary>The error of a durable send that no RECEIPT confirmed in time.</summary>
    internal BrokerUnreachableException NotConfirmed(Envelope envelope, string destination, TimeoutException cause) =>
        new(
            endpoints.Display,
            $"The STOMP broker at {endpoints} did not confirm event {envelope.Type} (id {envelope.Id}) to {destination} within {timeout.TotalSeconds:0.#} s (StompProviderOptions.SendTimeout).",
            cause);

    private async Task ResendAsync(PendingSend send, Envelope envelope)
    {
        Exception? failure = null;
        try
        {
            await SendConfirmedAsync(envelope, send.Destination, send.Headers, durable: true, send.Deadline, send.CancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            failure = exception;
        }

        send.Resent(failure);
    }

    private async ValueTask SendConfirmedAsync(
        Envelope envelope, string destination, KeyValuePair<string, string>[] headers, bool durable, SendDeadline deadline, CancellationToken cancellationToken)
    {
        while (true)
        {
            var connection = await session.GetConnectionAsync(deadline.Remaining, cancellationToken).ConfigureAwait(false);
            try
            {
                if (!durable)
                {
                    connection.Enqueue(StompWire.EncodeSend(envelope, destination, headers, persistent: false, receipt: 0));
                    return;
                }

                var receipt = connection.EnqueueConfirmed(StompWire.EncodeSend(envelope, destination, headers, persistent: true, receipt: 0), destination);
                await receipt.WaitAsync(deadline.Remaining, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (StompConnectionLostException) when (!durable || !deadline.Expired)
            {
                // The connection died before the RECEIPT: send again on the next one (at-least-once; the envelope
                // id lets idempotent listeners drop the duplicate).
            }
            catch (TimeoutException exception)
            {
                throw NotConfirmed(envelope, destination, exception);
            }
        }
    }
}
