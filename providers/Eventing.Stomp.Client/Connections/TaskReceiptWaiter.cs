namespace Eventing.Stomp.Client.Connections;

/// <summary>A receipt waiter that is a task: for callers that simply await one frame's RECEIPT.</summary>
internal sealed class TaskReceiptWaiter : TaskCompletionSource, IReceiptWaiter
{
    // Continuations run off the read loop, which completes receipts: user code must never stall it.
    public TaskReceiptWaiter()
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
    }

    public void Confirm() => TrySetResult();

    public void Fail(Exception reason) => TrySetException(reason);
}
