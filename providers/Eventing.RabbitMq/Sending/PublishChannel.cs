using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Eventing.RabbitMq.Sending;

/// <summary>
/// A channel the provider publishes on, used only while the connection it was opened on lives. Once that
/// connection (or the channel itself) is lost the channel is retired for good and the provider opens a fresh one:
/// RabbitMQ.Client's recovered confirm channel can leave publishes waiting forever for its confirmation lock
/// (rabbitmq-dotnet-client #1930), so sends never depend on it.
/// </summary>
#pragma warning disable CA1001 // The source is never disposed: a publish may still register on it, and it owns no timer.
internal sealed class PublishChannel
#pragma warning restore CA1001
{
    private readonly CancellationTokenSource _lost = new();
    private int _isLost;

    public PublishChannel(IChannel channel)
    {
        Channel = channel;
        channel.ChannelShutdownAsync += OnShutdownAsync;
    }

    public IChannel Channel { get; }

    /// <summary>Cancelled once the channel is lost; publishes still waiting on it are sent again on its successor.</summary>
    public CancellationToken Lost => _lost.Token;

    public bool IsLost => Volatile.Read(ref _isLost) != 0;

    /// <summary>Usable for a new publish.</summary>
    public bool IsUsable => !IsLost && Channel.IsOpen;

    /// <summary>
    /// Never publishes on this channel again: pending publishes are cancelled, off the caller's thread (it may be
    /// RabbitMQ.Client's event loop), and sent again on a successor.
    /// </summary>
    public void MarkLost()
    {
        if (Interlocked.Exchange(ref _isLost, 1) == 0)
        {
            _ = Task.Run(_lost.CancelAsync);
        }
    }

    /// <summary>
    /// Closes the channel once its successor is open. Only then: closing a channel while RabbitMQ.Client shuts down
    /// or recovers its connection competes with recovery for the connection's locks (measured: recovery stalled).
    /// </summary>
    public void Retire()
    {
        MarkLost();
        _ = Task.Run(async () =>
        {
            Channel.ChannelShutdownAsync -= OnShutdownAsync;
            try
            {
                await Channel.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                // The channel died with its connection or was closed by the broker: nothing is left to release.
            }
        });
    }

    private Task OnShutdownAsync(object sender, ShutdownEventArgs args)
    {
        MarkLost();
        return Task.CompletedTask;
    }
}
