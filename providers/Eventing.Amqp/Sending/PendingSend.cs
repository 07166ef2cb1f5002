using Amqp;
using Eventing.Amqp.Topology;

namespace Eventing.Amqp.Sending;

/// <summary>
/// One durable send waiting for the broker's disposition. It is the state object of AMQPNetLite's outcome
/// callback and the task the caller awaits, so a send allocates nothing else of ours.
/// </summary>
internal sealed class PendingSend : TaskCompletionSource
{
    // Continuations run off the connection's I/O thread: user code after `await SendAsync` must never stall it.
    public PendingSend(AmqpSendPath owner, AmqpTerminus target, Envelope envelope, long startedAt)
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        Owner = owner;
        Target = target;
        Envelope = envelope;
        StartedAt = startedAt;
    }

    public AmqpSendPath Owner { get; }

    public AmqpTerminus Target { get; }

    public Envelope Envelope { get; }

    /// <summary>When the first attempt started (<see cref="System.Diagnostics.Stopwatch"/> ticks); resends end at SendTimeout after it.</summary>
    public long StartedAt { get; }

    /// <summary>The link of the attempt in flight; the outcome of any other link is stale.</summary>
    public SenderLink? Link;
}
