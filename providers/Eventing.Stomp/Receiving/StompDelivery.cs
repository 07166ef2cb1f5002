using Eventing.Providers;
using Eventing.Stomp.Client.Connections;
using Eventing.Stomp.Client.Protocol;

namespace Eventing.Stomp.Receiving;

/// <summary>
/// One MESSAGE received with <c>ack:client-individual</c>, settled on the connection it arrived on. ACK and NACK
/// are queued to that connection's writer loop without waiting: the broker's answer to them is nothing at all.
/// </summary>
internal sealed class StompDelivery : Delivery
{
    private readonly StompConnection _connection;
    private readonly string _ackId;
    private readonly bool _nackRequeues;

    public StompDelivery(Envelope envelope, StompConnection connection, string ackId, bool nackRequeues)
        : base(envelope)
    {
        _connection = connection;
        _ackId = ackId;
        _nackRequeues = nackRequeues;
    }

    /// <summary>Frames of a connection that has died are redelivered by the broker; settling them is impossible.</summary>
    public override bool IsStale => !_connection.IsOpen;

    /// <summary>A MESSAGE that could not be read whole (<paramref name="decodeFailure"/>); the core dead-letters it.</summary>
    public StompDelivery(Envelope partial, Exception decodeFailure, StompConnection connection, string ackId, bool nackRequeues)
        : base(partial, decodeFailure)
    {
        _connection = connection;
        _ackId = ackId;
        _nackRequeues = nackRequeues;
    }

    public override ValueTask AckAsync(CancellationToken cancellationToken)
    {
        Settle(StompCommands.Ack);
        return default;
    }

    public override ValueTask RequeueAsync(CancellationToken cancellationToken)
    {
        // On ActiveMQ a NACK would move the message to ActiveMQ.DLQ at once. Leaving it unacknowledged gives it
        // back instead: the broker redelivers it (redelivered:true) when this subscription's connection closes,
        // which the provider does on stop and which happens on every reconnect.
        if (_nackRequeues)
        {
            Settle(StompCommands.Nack);
        }

        return default;
    }

    private void Settle(string command)
    {
        if (!_connection.IsOpen)
        {
            throw new StompConnectionLostException(
                $"The STOMP connection to {_connection.Endpoint} closed before message {Envelope.Id} could be settled; the broker delivers it again.");
        }

        var frame = new FrameBuffer(64 + _ackId.Length);
        StompFrameEncoder.WriteCommand(frame, command);
        StompFrameEncoder.WriteHeader(frame, StompHeaders.Id, _ackId);
        StompFrameEncoder.WriteEnd(frame);
        _connection.Enqueue(frame);
    }
}
