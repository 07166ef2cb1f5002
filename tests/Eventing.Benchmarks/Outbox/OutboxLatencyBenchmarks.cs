using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;

namespace Eventing.Benchmarks.Outbox;

/// <summary>
/// Commit → published: one transaction with one durable event, committed through <c>IOutbox.CommitAsync</c>, which
/// returns once RabbitMQ confirmed the event and its row is deleted. Besides BenchmarkDotNet's table (the whole
/// operation, recording included), the cleanup prints p50/p99 of the commit → confirmed part alone.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 10, invocationCount: 200)]
public class OutboxLatencyBenchmarks
{
    private readonly List<double> _latencies = new(4096);
    private OutboxBench _bench = null!;
    private int _number;

    [Params("sqlite", "postgresql")]
    public string Store { get; set; } = "";

    [GlobalSetup]
    public async Task SetupAsync() => _bench = await OutboxBench.StartAsync(Store);

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        if (_latencies.Count > 0)
        {
            _latencies.Sort();
            Console.WriteLine(
                $"// OUTBOX LATENCY {Store}: commit -> published over {_latencies.Count} commits: " +
                $"p50 {Percentile(0.50):0.000} ms, p99 {Percentile(0.99):0.000} ms, max {_latencies[^1]:0.000} ms");
        }

        await _bench.DisposeAsync();
    }

    [Benchmark]
    public async Task CommitThenPublished()
    {
        await using var connection = await _bench.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await _bench.Outbox.AddAsync(new BenchOrderPlaced(_number++, "customer-42"), transaction);
        var started = Stopwatch.GetTimestamp();
        await _bench.Outbox.CommitAsync(transaction);
        _latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    private double Percentile(double p) => _latencies[Math.Min(_latencies.Count - 1, (int)Math.Ceiling(p * _latencies.Count) - 1)];
}
