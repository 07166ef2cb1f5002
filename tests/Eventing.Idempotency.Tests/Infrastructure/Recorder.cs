using System.Collections.Concurrent;
using System.Diagnostics;

namespace Eventing.Idempotency.Tests;

/// <summary>Records every handler call and lets a test wait for a number of them.</summary>
public sealed class Recorder
{
    private readonly ConcurrentQueue<Call> _calls = new();
    private readonly Lock _gate = new();
    private readonly List<(int Count, TaskCompletionSource Signal)> _waiters = [];

    /// <summary>What the handler does besides being recorded; throw to fail the attempt.</summary>
    public Func<OrderPlaced, EventContext, CancellationToken, ValueTask>? Behavior { get; set; }

    public IReadOnlyCollection<Call> Calls => _calls;

    public int CountFor(string messageId) => _calls.Count(call => call.MessageId == messageId);

    public async ValueTask OnAsync(OrderPlaced @event, EventContext context, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        Exception? failure = null;
        try
        {
            if (Behavior is { } behavior)
            {
                await behavior(@event, context, cancellationToken);
            }
        }
        catch (Exception exception)
        {
            failure = exception;
            throw;
        }
        finally
        {
            _calls.Enqueue(new Call(context.MessageId, @event.OrderId, context.DeliveryAttempt, start, Stopwatch.GetTimestamp(), failure is null));
            lock (_gate)
            {
                foreach (var waiter in _waiters)
                {
                    if (_calls.Count >= waiter.Count)
                    {
                        waiter.Signal.TrySetResult();
                    }
                }
            }
        }
    }

    public Task WaitForCallsAsync(int count, TimeSpan? timeout = null)
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _waiters.Add((count, signal));
            if (_calls.Count >= count)
            {
                signal.TrySetResult();
            }
        }

        return signal.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(20));
    }

    public sealed record Call(string MessageId, string Key, int Attempt, long Start, long End, bool Succeeded);
}
