using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Eventing.Conformance;

/// <summary>
/// Messages waiting for their delayed retry are the broker's (a delay queue, ActiveMQ's scheduler store): a broker
/// restart while they wait loses none. Concrete classes must have <c>BrokerRestart</c> in their name, and not
/// <c>DelayedRetry</c>, so CI runs them alone and a <c>DelayedRetry</c> filter never restarts a shared broker.
/// </summary>
public abstract class DelayQueueBrokerRestartConformance<TTarget>(TTarget target) : ConformanceTests<TTarget>(target)
    where TTarget : ConformanceTarget, IRestartableBroker
{
    private const int Waiting = 10;

    [Fact]
    public async Task Messages_waiting_for_a_delayed_retry_survive_a_broker_restart_and_are_all_handled_after_it()
    {
        var run = NewRun();
        var copies = new DelayedCopies(Waiting);
        var handled = new ConcurrentDictionary<int, string>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // Long enough that the restart begins while every copy still waits.
        await using var host = await TestHost.StartAsync(
            Target,
            options: o => o.DefaultRetry = new RetryPolicy(1, TimeSpan.Zero, TimeSpan.Zero) { Delayed = [TimeSpan.FromSeconds(5)] },
            configure: events => events.Services.AddSingleton<ILoggerProvider>(copies));
        await using var subscription = await host.Events.SubscribeAsync<DelayRestartEvent>(Listener("delay-restart"), (e, context, _) =>
        {
            if (e.Run != run)
            {
                return default;
            }

            if (!context.Headers.TryGetValue("delayedretries", out var retries))
            {
                throw new InvalidOperationException("fails on the first delivery");
            }

            // A copy the restart duplicated (its original's ack lost) may come twice; each event must come.
            handled[e.Seq] = retries;
            if (handled.Count == Waiting)
            {
                all.TrySetResult();
            }

            return default;
        });

        for (var seq = 0; seq < Waiting; seq++)
        {
            await host.Events.SendAsync(new DelayRestartEvent(run, seq));
        }

        // Every copy confirmed by the broker, none back yet.
        await copies.All.WaitAsync(Patience);
        Assert.Empty(handled);
        await Target.RestartBrokerAsync(CancellationToken.None);

        // Expired during the restart or after it, each copy goes back to the listener's queue and the subscription,
        // recovered by itself, handles it.
        await all.Task.WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(Enumerable.Range(0, Waiting), handled.Keys.Order());
        Assert.All(handled.Values, retries => Assert.Equal("1", retries));
    }

    /// <summary>Counts the "delayed retry" log events (id 1027): the core logs one once the broker confirmed a copy.</summary>
    private sealed class DelayedCopies(int expected) : ILoggerProvider, ILogger
    {
        private const int DelayedRetry = 1027;
        private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _count;

        public Task All => _all.Task;

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id == DelayedRetry && Interlocked.Increment(ref _count) == expected)
            {
                _all.TrySetResult();
            }
        }

        public void Dispose()
        {
        }
    }
}
