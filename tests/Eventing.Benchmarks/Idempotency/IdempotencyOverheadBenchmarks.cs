using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Eventing.Idempotency;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using StackExchange.Redis;

namespace Eventing.Benchmarks.Idempotency;

/// <summary>
/// Per-message cost of an idempotent listener on each store next to a plain listener ("none") in the same run: events
/// go through the local provider to a listener with concurrency 1, so each message pays the claim and the record
/// (SQL: BEGIN + INSERT … ON CONFLICT + COMMIT; Redis: SET NX GET + SET PX) in sequence. Overhead = store − none.
/// Needs eng/postgres.sh and eng/redis.sh up (EVENTING_POSTGRES, EVENTING_REDIS).
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class IdempotencyOverheadBenchmarks
{
    public const int Events = 2000;

    private readonly string _table = "bench_inbox_" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _prefix = "bench-" + Guid.NewGuid().ToString("N")[..8] + ":";
    private readonly string _sqliteFile = Path.Combine(Path.GetTempPath(), $"eventing-idem-bench-{Guid.NewGuid():N}.db");
    private ServiceProvider _services = null!;
    private IHostedService[] _hosted = [];
    private IEventManager _events = null!;
    private Countdown _countdown = null!;

    [Params("none", "sqlite", "postgresql", "redis")]
    public string Store { get; set; } = "";

    private static string Postgres => BenchStores.Postgres;

    private static string Redis => BenchStores.Redis;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var collection = new ServiceCollection();
        _countdown = new Countdown();
        collection.AddSingleton(_countdown);
        collection.AddEventing(events =>
        {
            events.AddListener<BenchIdempotentListener>(listener =>
            {
                listener.Name("bench-" + Store);
                if (Store != "none")
                {
                    listener.Idempotent(TimeSpan.FromHours(1));
                }
            });
            if (Store != "none")
            {
                events.AddIdempotency(idempotency => _ = Store switch
                {
                    "sqlite" => idempotency.UseSqlite($"Data Source={_sqliteFile}", o => o.TableName = _table),
                    "postgresql" => idempotency.UsePostgreSql(Postgres, o => o.TableName = _table),
                    _ => idempotency.UseRedis(Redis, o => o.KeyPrefix = _prefix),
                });
            }

            events.UseLocal(local => local.QueueCapacity = Events * 2);
        });
        _services = collection.BuildServiceProvider();
        _hosted = [.. _services.GetServices<IHostedService>()];
        foreach (var hosted in _hosted)
        {
            await hosted.StartAsync(CancellationToken.None);
        }

        _events = _services.GetRequiredService<IEventManager>();
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        foreach (var hosted in _hosted.Reverse())
        {
            await hosted.StopAsync(CancellationToken.None);
        }

        await _services.DisposeAsync();
        await BenchStores.RemoveAsync(Store, _sqliteFile, $"DROP TABLE IF EXISTS {_table}; DELETE FROM eventing_schema WHERE component = 'idempotency:{_table}';", _prefix);
    }

    /// <summary>Sends <see cref="Events"/> new events and waits until the listener handled them all.</summary>
    [Benchmark(OperationsPerInvoke = Events)]
    public async Task Handle()
    {
        var done = _countdown.Reset(Events);
        for (var i = 0; i < Events; i++)
        {
            await _events.SendAsync(new BenchIdempotencyEvent(i));
        }

        await done.WaitAsync(TimeSpan.FromMinutes(2));
    }
}

[Event("bench.idempotency")]
public sealed record BenchIdempotencyEvent(int Number);

public sealed class BenchIdempotentListener(Countdown countdown) : EventListener<BenchIdempotencyEvent>
{
    protected override void On(BenchIdempotencyEvent @event, EventContext context) => countdown.Signal();
}

/// <summary>Completes a task once the listener handled the expected number of events.</summary>
public sealed class Countdown
{
    private int _remaining;
    private TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Reset(int count)
    {
        _done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _remaining, count);
        return _done.Task;
    }

    public void Signal()
    {
        if (Interlocked.Decrement(ref _remaining) == 0)
        {
            _done.TrySetResult();
        }
    }
}
