using Amqp;

namespace Eventing.Amqp.Connections;

/// <summary>Closing a session or link of a connection that may already be going away.</summary>
internal static class AmqpClose
{
    /// <summary>Closes <paramref name="amqpObject"/>, waiting at most <paramref name="timeout"/> for the broker's answer.</summary>
    public static async Task QuietlyAsync(AmqpObject? amqpObject, TimeSpan timeout)
    {
        if (amqpObject is null || amqpObject.IsClosed)
        {
            return;
        }

        try
        {
            await amqpObject.CloseAsync(timeout, null).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is AmqpException or TimeoutException or ObjectDisposedException)
        {
            // The broker or the connection went first: nothing is left to close.
        }
    }
}
