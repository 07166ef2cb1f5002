namespace Eventing.Stomp.Client.Connections;

/// <summary>
/// One party waiting for a RECEIPT: a single frame's caller, or one durable send of a coalesced run. The
/// provider's sends implement it themselves, so a send needs no completion object beside its own.
/// </summary>
internal interface IReceiptWaiter
{
    /// <summary>The RECEIPT that covers this waiter arrived.</summary>
    void Confirm();

    /// <summary>No RECEIPT will cover this waiter: an ERROR frame, or the connection closed.</summary>
    void Fail(Exception reason);
}
