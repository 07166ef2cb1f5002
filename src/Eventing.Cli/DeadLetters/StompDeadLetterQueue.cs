using System.Threading.Channels;
using Eventing.Stomp;
using Eventing.Stomp.Messages;
using Eventing.Stomp.Protocol;
using Eventing.Stomp.Topology;
using Microsoft.Extensions.Logging.Abstractions;

namespace Eventing.Cli.DeadLetters;

/// <summary>
/// STOMP has no browse or get: this subscribes to the dead-letter queue with <c>ack:client-individual</c>, takes
/// what arrives until <c>--max</c> or until the queue is quiet for the idle time, and ACKs what is removed.
/// Disconnecting gives back everything not acked (both brokers redeliver unacked messages, marked
/// <c>redelivered</c>); NACK is never used because ActiveMQ would move the message to <c>ActiveMQ.DLQ</c>.
/// While a list runs, another consumer of the dead-letter queue cannot see the messages this one holds.
/// </summary>
internal sealed class StompDeadLetterQueue : IDeadLetterQueue
{
    private static readonly TimeSpan ReceiptTimeout = TimeSpan.FromSeconds(30);

    private readonly StompConnection _connection;
    private readonly StompTopology _topology;
    private readonly Channel<StompFrame> _inbox;
    private bool _subscribed;

    private StompDeadLetterQueue(StompConnection connection, StompTopology topology, Channel<StompFrame> inbox, string destination)
    {
        _connection = connection;
        _topology = topology;
        _inbox = inbox;
        Name = destination;
    }

    public string Name { get; }

    public static async Task<StompDeadLetterQueue> OpenAsync(Uri broker, StompTopologyKind kind, ListenerDescriptor listener, CancellationToken cancellationToken)
    {
        var endpoint = new StompEndpoint(new StompProviderOptions { Uri = broker, Topology = kind });
        var inbox = Channel.CreateUnbounded<StompFrame>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        StompConnection connection;
        try
        {
            connection = await StompConnection.ConnectAsync(endpoint, (_, frame) => inbox.Writer.TryWrite(frame), NullLogger.Instance, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw StompSession.Unreachable(endpoint, exception);
        }

        try
        {
            var topology = StompTopology.Create(kind, connection.Server, endpoint.Display);
            return new StompDeadLetterQueue(connection, topology, inbox, topology.DeadLetterDestination(listener));
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async Task<IReadOnlyList<DeadLetter>> ReadAsync(int max, TimeSpan idle, CancellationToken cancellationToken)
    {
        if (!_subscribed)
        {
            var frame = new FrameBuffer(256);
            StompFrameEncoder.WriteCommand(frame, StompCommands.Subscribe);
            StompFrameEncoder.WriteHeader(frame, StompHeaders.Id, "dead-letters");
            StompFrameEncoder.WriteHeader(frame, StompHeaders.Destination, Name);
            StompFrameEncoder.WriteHeader(frame, StompHeaders.Ack, "client-individual");
            if (_topology.PrefetchHeader is { } prefetch)
            {
                StompFrameEncoder.WriteHeader(frame, prefetch, max);
            }

            foreach (var header in _topology.DeadLetterHeaders)
            {
                StompFrameEncoder.WriteHeader(frame, header.Key, header.Value);
            }

            await SendWithReceiptAsync(frame, cancellationToken).ConfigureAwait(false);
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

            if (message[StompHeaders.Ack] is not { } ackId)
            {
                continue;
            }

            letters.Add(new DeadLetter(StompEnvelopes.Read(message, NullLogger.Instance), ackId));
        }

        return letters;
    }

    public Task RemoveAsync(DeadLetter letter, CancellationToken cancellationToken)
    {
        var frame = new FrameBuffer(64);
        StompFrameEncoder.WriteCommand(frame, StompCommands.Ack);
        StompFrameEncoder.WriteHeader(frame, StompHeaders.Id, (string)letter.Tag);

        // With a receipt: when the CLI exits right after, the broker has processed the ACK.
        return SendWithReceiptAsync(frame, cancellationToken);
    }

    public Task ResendAsync(Envelope envelope, ListenerDescriptor listener, bool toEvent, CancellationToken cancellationToken)
    {
        string destination;
        KeyValuePair<string, string>[] headers;
        if (toEvent)
        {
            destination = _topology.SendDestination(listener.Event);
            headers = _topology.SendHeaders;
        }
        else
        {
            // The listener's own queue, so listeners that handled the event already do not get it again.
            destination = _topology.Kind switch
            {
                // The RabbitMQ subscription is /topic/<event> with x-queue-name; the queue itself is /amq/queue/<queue>.
                StompTopologyKind.RabbitMq => "/amq/queue/" + listener.Queue,
                _ => _topology.Subscription(listener).Destination,
            };
            headers = _topology.DeadLetterHeaders;
        }

        var id = _connection.RegisterReceipt(out var receipt);
        var frame = StompEnvelopes.EncodeSend(envelope, destination, headers, persistent: true, id);
        return AwaitReceiptAsync(frame, id, receipt, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        // DISCONNECT: everything taken and not acked goes back to the queue.
        await _connection.DisconnectAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
    }

    private Task SendWithReceiptAsync(FrameBuffer frame, CancellationToken cancellationToken)
    {
        var id = _connection.RegisterReceipt(out var receipt);
        StompFrameEncoder.WriteHeader(frame, StompHeaders.Receipt, id);
        StompFrameEncoder.WriteEnd(frame);
        return AwaitReceiptAsync(frame, id, receipt, cancellationToken);
    }

    private async Task AwaitReceiptAsync(FrameBuffer frame, long id, Task receipt, CancellationToken cancellationToken)
    {
        _connection.Enqueue(frame);
        try
        {
            await receipt.WaitAsync(ReceiptTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException exception)
        {
            _connection.AbandonReceipt(id);
            throw new BrokerUnreachableException(_connection.Endpoint.Display,
                $"The STOMP broker at {_connection.Endpoint} did not answer within {ReceiptTimeout.TotalSeconds:0} s.", exception);
        }
    }
}
