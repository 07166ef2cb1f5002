using Amqp;
using Eventing.Amqp.Topology;
using Eventing.Providers;

namespace Eventing.Amqp.Sending;

/// <summary>
/// One durable send waiting for the broker's disposition. It is the state object of AMQPNetLite's outcome
/// callback and the task the caller awaits, so a send allocates nothing else of ours.
/// </summary>
internal sealed class PendingSend : TaskCompletionSource
{
    // Continuations run off the connection's I/O thread: user code after `await SendAsync` must never stall it.
    public PendingSend(AmqpSendPath owner, AmqpTerminus target, Envelope envelope, SendDeadline deadline)
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        Owner = owner;
        Target = target;
        Envelope = envelope;
        Deadline = deadline;
    }

    public AmqpSendPath Owner { get; }

    public AmqpTerminus Target { get; }

    public Envelope Envelope { get; }

    /// <summary>SendTimeout after the first attempt: resends end there.</summary>
    public SendDeadline Deadline { get; }

    /// <summary>The link of the attempt in flight; the outcome of any other link is stale.</summary>
    public SenderLink? Link;
}
