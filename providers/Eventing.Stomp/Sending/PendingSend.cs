using Eventing.Providers;
using Eventing.Stomp.Client.Connections;

namespace Eventing.Stomp.Sending;

/// <summary>
/// One durable send on its way: the receipt waiter the connection confirms or fails, the task its caller awaits,
/// and what it takes to send it again on the next connection. A send in flight allocates nothing else of ours:
/// no async state machine, no timer (<see cref="SendTimeouts"/> watches every deadline at once).
/// </summary>
internal sealed class PendingSend : TaskCompletionSource, IReceiptWaiter
{
    private readonly StompSendPath _owner;
    private readonly CancellationTokenRegistration _cancellation;
    private Envelope? _envelope;

    // Continuations run off the connection's read loop, which confirms runs of sends: user code after
    // `await SendAsync` must never stall it.
    public PendingSend(StompSendPath owner, Envelope envelope, string destination, KeyValuePair<string, string>[] headers, TimeSpan timeout, CancellationToken cancellationToken)
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        _owner = owner;
        _envelope = envelope;
        Destination = destination;
        Headers = headers;
        Deadline = new SendDeadline(timeout);
        CancellationToken = cancellationToken;

        // Registered before the send is queued, so no other thread sees the registration half written.
        _cancellation = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static state => ((PendingSend)state!).Cancel(), this)
            : default;
    }

    /// <summary>The envelope until the send ended (then null, so a watched send does not keep its body alive).</summary>
    public Envelope? Envelope => Volatile.Read(ref _envelope);

    public string Destination { get; }

    public KeyValuePair<string, string>[] Headers { get; }

    /// <summary>SendTimeout after the first attempt: resends end there.</summary>
    public SendDeadline Deadline { get; }

    public CancellationToken CancellationToken { get; }

    public void Confirm() => End(TrySetResult());

    /// <summary>
    /// A lost connection sends it again on the next one while time is left (at-least-once; the envelope id lets
    /// idempotent listeners drop the duplicate); an ERROR frame fails it.
    /// </summary>
    public void Fail(Exception reason)
    {
        if (reason is StompConnectionLostException && !Deadline.Expired && !CancellationToken.IsCancellationRequested && Envelope is { } envelope)
        {
            _owner.Resend(this, envelope);
            return;
        }

        End(TrySetException(reason));
    }

    /// <summary>Ends the send with the outcome of a resend.</summary>
    public void Resent(Exception? failure) => End(failure is null ? TrySetResult() : TrySetException(failure));

    /// <summary>Called by <see cref="SendTimeouts"/> once the deadline passed without a RECEIPT.</summary>
    public void TimeOut()
    {
        if (!Task.IsCompleted && Envelope is { } envelope)
        {
            End(TrySetException(_owner.NotConfirmed(envelope, Destination, new TimeoutException($"No RECEIPT within {Deadline.Timeout.TotalSeconds:0.#} s."))));
        }
    }

    private void Cancel() => End(TrySetCanceled(CancellationToken));

    private void End(bool ended)
    {
        if (ended)
        {
            Volatile.Write(ref _envelope, null);
            _cancellation.Unregister();
        }
    }
}
