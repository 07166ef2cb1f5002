using System.Collections.Concurrent;

namespace Eventing.Stomp.Sending;

/// <summary>
/// Fails durable sends whose send timeout passed without a RECEIPT, with one timer for all of them instead of
/// one per send. Sends are watched in the order they started, and all have the same timeout, so their deadlines
/// come in that order too: each tick ends the expired ones at the front and drops the finished ones.
/// </summary>
/// <remarks>
/// A send times out at most one tick late: a twentieth of the timeout, between 10 ms and 500 ms. The timer runs
/// only while a send is watched.
/// </remarks>
internal sealed class SendTimeouts : IDisposable
{
    private readonly ConcurrentQueue<PendingSend> _watched = new();
    private readonly Timer _timer;
    private readonly TimeSpan _tick;
    private int _armed;

    public SendTimeouts(TimeSpan timeout)
    {
        _tick = TimeSpan.FromTicks(Math.Clamp(timeout.Ticks / 20, TimeSpan.FromMilliseconds(10).Ticks, TimeSpan.FromMilliseconds(500).Ticks));
        _timer = new Timer(static state => ((SendTimeouts)state!).Sweep(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Watches <paramref name="send"/> until it ends or its deadline passes.</summary>
    public void Watch(PendingSend send)
    {
        _watched.Enqueue(send);
        Arm();
    }

    public void Dispose() => _timer.Dispose();

    private void Arm()
    {
        if (Interlocked.CompareExchange(ref _armed, 1, 0) == 0)
        {
            try
            {
                _timer.Change(_tick, Timeout.InfiniteTimeSpan);
            }
            catch (ObjectDisposedException)
            {
                // The provider was disposed; its connection failed or will fail every send left.
            }
        }
    }

    // Runs on the timer alone (it is re-armed only after a sweep ended), so it is the only one to dequeue.
    private void Sweep()
    {
        while (_watched.TryPeek(out var send))
        {
            if (send.Task.IsCompleted)
            {
                _watched.TryDequeue(out _);
            }
            else if (send.Deadline.Expired)
            {
                _watched.TryDequeue(out _);
                send.TimeOut();
            }
            else
            {
                break;
            }
        }

        // Disarmed before looking again: a send watched after the look finds the timer disarmed and arms it.
        Volatile.Write(ref _armed, 0);
        if (!_watched.IsEmpty)
        {
            Arm();
        }
    }
}
