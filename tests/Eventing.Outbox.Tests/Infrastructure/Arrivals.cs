namespace Eventing.Outbox.Tests;

/// <summary>When each <see cref="OrderPlaced"/> reached the listener, by token, and a wait for a set of tokens.</summary>
public sealed class Arrivals
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, DateTimeOffset> _at = new(StringComparer.Ordinal);
    private readonly List<(string[] Tokens, TaskCompletionSource Signal)> _waiters = [];

    public IReadOnlyDictionary<string, DateTimeOffset> At
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<string, DateTimeOffset>(_at, StringComparer.Ordinal);
            }
        }
    }

    public ValueTask HandleAsync(OrderPlaced @event, EventContext context, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        lock (_gate)
        {
            // The first arrival counts: a duplicate would come later and must not hide an early one.
            _at.TryAdd(@event.Token, now);
            foreach (var waiter in _waiters)
            {
                if (waiter.Tokens.All(_at.ContainsKey))
                {
                    waiter.Signal.TrySetResult();
                }
            }
        }

        return default;
    }

    /// <summary>
    /// Asserts that <paramref name="token"/> arrived no earlier than <paramref name="due"/> and within a second after
    /// it; a failure shows the hosts' log and the thread pool, so a late arrival in CI says where the time went.
    /// </summary>
    public void AssertOnTime(string token, DateTimeOffset due, LogLines log)
    {
        var at = At[token];
        if (at < due || at > due.AddSeconds(1))
        {
            Assert.Fail(string.Create(
                System.Globalization.CultureInfo.InvariantCulture,
                $"'{token}' was due at {due:HH:mm:ss.fff} and arrived at {at:HH:mm:ss.fff} ({(at - due).TotalMilliseconds:F0} ms); " +
                $"thread pool now: {ThreadPool.ThreadCount} threads, {ThreadPool.PendingWorkItemCount} queued items. Log:\n{log}"));
        }
    }

    /// <summary>Waits until every one of <paramref name="tokens"/> arrived.</summary>
    public Task WaitForAsync(TimeSpan timeout, params string[] tokens)
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (tokens.All(_at.ContainsKey))
            {
                return Task.CompletedTask;
            }

            _waiters.Add((tokens, signal));
        }

        return signal.Task.WaitAsync(timeout);
    }
}
