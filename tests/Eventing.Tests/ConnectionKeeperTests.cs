using System.Collections.Concurrent;
using Eventing.Providers;

namespace Eventing.Tests;

/// <summary>
/// The core's connection keeper, which the AMQP provider and the STOMP client build on: the broker side is proven by
/// their restart and failover suites against real brokers; here, the state and pacing with a scripted connection.
/// </summary>
public sealed class ConnectionKeeperTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_lost_connection_is_replaced_and_a_waiting_caller_gets_the_new_one()
    {
        await using var keeper = new ScriptedKeeper(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(50));
        var first = keeper.Start();
        Assert.Same(first, keeper.Current);

        keeper.FailNextConnects(2);
        first.Close();
        Assert.Null(keeper.Current);
        var second = await keeper.WaitAsync(urgent: false, Long, CancellationToken.None);

        Assert.NotSame(first, second);
        Assert.Same(second, keeper.Current);
        Assert.Equal(3, await keeper.Recovered.Task.WaitAsync(Long));
        Assert.Equal([1, 2], keeper.FailedAttempts);
    }

    [Fact]
    public async Task A_loss_is_reported_once_however_often_it_is_seen()
    {
        await using var keeper = new ScriptedKeeper(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(50));
        var first = keeper.Start();

        Assert.True(keeper.ReportLost(first));
        Assert.False(keeper.ReportLost(first));
        await keeper.WaitAsync(urgent: false, Long, CancellationToken.None);
        Assert.False(keeper.ReportLost(first));
        Assert.Equal(1, await keeper.Recovered.Task.WaitAsync(Long));
        Assert.Equal(1, keeper.Outages);
        Assert.Equal(1, keeper.ConnectCalls);
    }

    [Fact]
    public async Task A_waiting_send_cuts_the_backoff_short_and_an_idle_receiver_does_not()
    {
        // Eight failed tries: backing off from 20 ms doubles to 2.5 s and waits at least 4 s in all, while tries
        // spaced by the initial delay take about 0.2 s.
        await using var urgent = new ScriptedKeeper(TimeSpan.FromMilliseconds(20), TimeSpan.FromMinutes(10));
        await using var idle = new ScriptedKeeper(TimeSpan.FromMilliseconds(20), TimeSpan.FromMinutes(10));
        foreach (var keeper in new[] { urgent, idle })
        {
            var connection = keeper.Start();
            keeper.FailNextConnects(8);
            connection.Close();
        }

        var resumed = await urgent.WaitAsync(urgent: true, TimeSpan.FromSeconds(3), CancellationToken.None);
        Assert.True(resumed.IsOpen);
        await Assert.ThrowsAsync<TimeoutException>(() => idle.WaitAsync(urgent: false, TimeSpan.FromSeconds(1), CancellationToken.None).AsTask());
    }

    [Fact]
    public async Task Closing_stops_recovery_closes_the_connection_and_fails_waiters()
    {
        var keeper = new ScriptedKeeper(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(20));
        var first = keeper.Start();
        keeper.FailNextConnects(int.MaxValue);
        first.Close();
        var waiting = keeper.WaitAsync(urgent: true, Timeout.InfiniteTimeSpan, CancellationToken.None).AsTask();
        await keeper.FirstFailure.Task.WaitAsync(Long);

        await keeper.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => waiting);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => keeper.WaitAsync(urgent: false, Long, CancellationToken.None).AsTask());
        var tries = keeper.ConnectCalls;
        await Task.Delay(100);
        Assert.Equal(tries, keeper.ConnectCalls);
        Assert.Null(keeper.Current);
    }

    [Fact]
    public async Task The_open_connection_is_closed_politely_on_close()
    {
        await using var keeper = new ScriptedKeeper(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(20));
        var connection = keeper.Start();

        await keeper.CloseAsync(TimeSpan.FromSeconds(2));

        Assert.Equal(TimeSpan.FromSeconds(2), connection.ClosedWith);
        Assert.False(keeper.ReportLost(connection));
    }

    private sealed class ScriptedConnection
    {
        public bool IsOpen { get; private set; } = true;

        public TimeSpan? ClosedWith { get; private set; }

        public event Action<ScriptedConnection>? Closed;

        public void Close(TimeSpan? timeout = null)
        {
            IsOpen = false;
            ClosedWith = timeout;
            Closed?.Invoke(this);
        }
    }

    private sealed class ScriptedKeeper(TimeSpan initialDelay, TimeSpan maxDelay) : ConnectionKeeper<ScriptedConnection>(initialDelay, maxDelay)
    {
        private int _failuresLeft;
        private int _connectCalls;

        public ConcurrentQueue<int> FailedAttempts { get; } = new();

        /// <summary>The tries the first recovery took.</summary>
        public TaskCompletionSource<int> Recovered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource FirstFailure { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int ConnectCalls => Volatile.Read(ref _connectCalls);

        public override string Endpoint => "scripted://broker";

        public ScriptedConnection Start()
        {
            var connection = new ScriptedConnection();
            Publish(connection);
            return connection;
        }

        public void FailNextConnects(int count) => Volatile.Write(ref _failuresLeft, count);

        public bool ReportLost(ScriptedConnection connection) => Lost(connection);

        protected override Task<ScriptedConnection> ConnectAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _connectCalls);
            if (Interlocked.Decrement(ref _failuresLeft) >= 0)
            {
                return Task.FromException<ScriptedConnection>(new IOException("connection refused"));
            }

            return Task.FromResult(new ScriptedConnection());
        }

        protected override void Watch(ScriptedConnection connection)
        {
            connection.Closed += closed => Lost(closed);
            if (!connection.IsOpen)
            {
                Lost(connection);
            }
        }

        protected override bool IsOpen(ScriptedConnection connection) => connection.IsOpen;

        protected override Task CloseConnectionAsync(ScriptedConnection connection, TimeSpan timeout)
        {
            connection.Close(timeout);
            return Task.CompletedTask;
        }

        protected override void OnReconnectFailed(Exception exception, int attempt, TimeSpan wait)
        {
            FailedAttempts.Enqueue(attempt);
            FirstFailure.TrySetResult();
        }

        protected override void OnReconnected(ScriptedConnection connection, int attempts) => Recovered.TrySetResult(attempts);
    }
}
