using System.Threading.Channels;
using Eventing.Providers;
using Eventing.Stomp.Client.Connections;
using Eventing.Stomp.Client.Protocol;
using Eventing.Stomp.Receiving;
using Eventing.Stomp.Topology;
using Eventing.Stomp.Wire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Eventing.Stomp.Inspection;

/// <summary>
/// STOMP has no browse or get: this subscribes to the dead-letter queue with <c>ack:client-individual</c> on a
/// connection of its own, takes what arrives until the maximum or until the queue is quiet for the idle time, and
/// ACKs what is removed. Disconnecting gives back everything not acked (both brokers redeliver unacked messages,
/// marked <c>redelivered</c>); NACK is never used because ActiveMQ would move the message to <c>ActiveMQ.DLQ</c>.
/// While a browser is open, another consumer of the dead-letter queue cannot see the messages it holds. A refusal
/// is an ERROR frame, after which the broker closes the connection: what was taken and not removed goes back.
/// </summary>
internal sealed class StompDeadLetterBrowser : IDeadLetterBrowser
{
    private const string SubscriptionId = "dead-letters";

    private readonly StompConnection _connection;
    private readonly StompTopology _topology;
    private readonly ListenerDescriptor _listener;
    private readonly Channel<StompFrame> _inbox;
    private readonly TimeSpan _timeout;
    private bool _subscribed;

    private StompDeadLetterBrowser(StompConnection connection, StompTopology topology, ListenerDescriptor listener, Channel<StompFrame> inbox, TimeSpan timeout)
    {
        _connection = connection;
        _topology = topology;
        _listener = listener;
        _inbox = inbox;
        _timeout = timeout;
        Name = topology.DeadLetterDestination(listener);
    }

    public string Name { get; }

    /// <exception cref="BrokerUnreachableException">No node could be reached, or the broker refused the connection.</exception>
    public static async Task<StompDeadLetterBrowser> OpenAsync(
        StompEndpoints endpoints, StompTopology topology, ListenerDescriptor listener, TimeSpan timeout, ILogger logger, CancellationToken cancellationToken)
    {
        var inbox = Channel.CreateUnbounded<StompFrame>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var connection = await StompSession.ConnectAsync(endpoints, (_, frame) => inbox.Writer.TryWrite(frame), logger, cancellationToken).ConfigureAwait(false);
        return new StompDeadLetterBrowser(connection, topology, listener, inbox, timeout);
    }

    public async Task<IReadOnlyList<DeadLetter>> ReadAsync(int max, TimeSpan idle, CancellationToken cancellationToken)
    {
        if (!_subscribed)
        {
            await RefusedAsInvalidOperation(
                StompSubscription.SubscribeAsync(_connection, SubscriptionId, _topology.DeadLetterSubscription(_listener), _topology.PrefetchHeader, max, _timeout, cancellationToken),
                $"refused the subscription to the dead-letter queue {Name}").ConfigureAwait(false);
            _subscribed = true;
        }

        var letters = new List<DeadLetter>();
        while (letters.Count < max)
        {
            using var quiet = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            quiet.CancelAfter(idle);
            StompFrame message;
            try
            {
                message = await _inbox.Reader.ReadAsync(quiet.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                break;
            }

            if (message[StompHeaders.Ack] is { } ackId)
            {
                letters.Add(new StompDeadLetter(StompWire.Read(message, NullLogger.Instance), ackId));
            }
        }

        return letters;
    }

    public Task RemoveAsync(DeadLetter letter, CancellationToken cancellationToken)
    {
        var taken = letter as StompDeadLetter ?? throw new ArgumentException("The dead letter was not read from a STOMP dead-letter queue.", nameof(letter));
        var frame = new FrameBuffer(64);
        StompFrameEncoder.WriteCommand(frame, StompCommands.Ack);
        StompFrameEncoder.WriteHeader(frame, StompHeaders.Id, taken.AckId);

        // With a receipt: when the caller exits right after, the broker has processed the ACK.
        return WithReceiptAsync(frame, $"refused to remove message {letter.Envelope.Id} from {Name}", cancellationToken);
    }

    public Task ResendAsync(Envelope envelope, ListenerDescriptor listener, bool toEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(listener);

        // To the listener's own queue, so listeners that handled the event already do not get it again.
        var (destination, headers) = toEvent
            ? (_topology.SendDestination(listener.Event), _topology.SendHeaders)
            : (_topology.ListenerQueueDestination(listener), _topology.DeadLetterHeaders);
        var frame = StompWire.EncodeSend(envelope, destination, headers, persistent: true, receipt: 0);
        var refusal = toEvent
            ? $"refused message {envelope.Id} for event '{listener.Event.Name}' at {destination}; it was not replayed and stays in {Name}"
            : $"refused message {envelope.Id} for queue '{listener.Queue}' at {destination} (does it exist?); it was not replayed and stays in {Name}. Replay it to the event's address instead (--to-event)";
        return RefusedAsInvalidOperation(WithTimeoutAsync(_connection.EnqueueConfirmed(frame, destination).WaitAsync(_timeout, cancellationToken)), refusal);
    }

    public async ValueTask DisposeAsync()
    {
        // DISCONNECT: everything taken and not acked goes back to the queue.
        await _connection.DisconnectAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
    }

    private Task WithReceiptAsync(FrameBuffer frame, string refusal, CancellationToken cancellationToken) =>
        RefusedAsInvalidOperation(WithTimeoutAsync(_connection.SendWithReceiptAsync(frame, _timeout, cancellationToken)), refusal);

    private async Task WithTimeoutAsync(Task waiting)
    {
        try
        {
            await waiting.ConfigureAwait(false);
        }
        catch (TimeoutException exception)
        {
            throw new BrokerUnreachableException(_connection.Endpoint.Display,
                $"The STOMP broker at {_connection.Endpoint} did not answer within {_timeout.TotalSeconds:0.#} s (StompProviderOptions.SendTimeout).", exception);
        }
    }

    private async Task RefusedAsInvalidOperation(Task operation, string refusal)
    {
        try
        {
            await operation.ConfigureAwait(false);
        }
        catch (StompErrorFrameException exception)
        {
            throw new InvalidOperationException($"The STOMP broker at {_connection.Endpoint} {refusal}: {exception.BrokerMessage ?? exception.Message}.", exception);
        }
    }
}
