using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Eventing.AspNetCore.Idempotency;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using StackExchange.Redis;

namespace Eventing.Benchmarks.Idempotency;

/// <summary>
/// Added latency per request of <c>.WithIdempotency()</c> on each store next to the same endpoint without it ("none"),
/// in one run: a POST with a new key each time over real HTTP (Kestrel on loopback, one keep-alive connection), so
/// every request pays the claim and the stored response (Redis: SET NX PX GET + one script; SQL: upsert + select,
/// then update + commit). Besides BenchmarkDotNet's table, the cleanup prints per-request p50/p99.
/// Needs eng/postgres.sh and eng/redis.sh up (EVENTING_POSTGRES, EVENTING_REDIS).
/// </summary>
[Config(typeof(InProcessConfig))]
public class HttpIdempotencyOverheadBenchmarks
{
    private static readonly byte[] Body = """{"item":"book","quantity":1}"""u8.ToArray();

    private readonly List<double> _latencies = new(4096);
    private readonly string _table = "bench_http_" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _prefix = "bench-http-" + Guid.NewGuid().ToString("N")[..8] + ":";
    private readonly string _sqliteFile = Path.Combine(Path.GetTempPath(), $"eventing-http-bench-{Guid.NewGuid():N}.db");
    private WebApplication _app = null!;
    private HttpClient _client = null!;
    private long _number;

    [Params("none", "sqlite", "postgresql", "redis")]
    public string Store { get; set; } = "";

    private static string Postgres => BenchStores.Postgres;

    private static string Redis => BenchStores.Redis;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        if (Store != "none")
        {
            builder.Services.AddHttpIdempotency(idempotency => _ = Store switch
            {
                "sqlite" => idempotency.UseSqlite($"Data Source={_sqliteFile}", o => o.TableName = _table),
                "postgresql" => idempotency.UsePostgreSql(Postgres, o => o.TableName = _table),
                _ => idempotency.UseRedis(Redis, o => o.KeyPrefix = _prefix),
            });
        }

        _app = builder.Build();
        var endpoint = _app.MapPost("/orders", () => Results.Created("/orders/1", new { id = 1, status = "placed" }));
        if (Store != "none")
        {
            endpoint.WithIdempotency();
        }

        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _client = new HttpClient { BaseAddress = new Uri(address) };

        // The schema step and the connection pools are set up by the first request, not measured.
        await PostAsync();
        _latencies.Clear();
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        if (_latencies.Count > 0)
        {
            _latencies.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"// {Store}: {_latencies.Count} requests, p50 {Percentile(0.50):0.000} ms, p99 {Percentile(0.99):0.000} ms"));
        }

        _client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await BenchStores.RemoveAsync(Store, _sqliteFile, $"DROP TABLE IF EXISTS {_table}, {_table}_resources; DELETE FROM eventing_schema WHERE component = 'http-idempotency:{_table}';", _prefix);
    }

    /// <summary>One POST with a new idempotency key: it runs and its response is stored.</summary>
    [Benchmark]
    public async Task Post()
    {
        var started = Stopwatch.GetTimestamp();
        await PostAsync();
        _latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    private async Task PostAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/orders") { Content = new ByteArrayContent(Body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("Idempotency-Key", Interlocked.Increment(ref _number).ToString(CultureInfo.InvariantCulture));
        using var response = await _client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        await response.Content.ReadAsByteArrayAsync();
    }

    /// <summary>In process: the generated project's build takes minutes on a busy machine, and the app under test runs in process anyway.</summary>
    private sealed class InProcessConfig : ManualConfig
    {
        public InProcessConfig() => AddJob(Job.Default
            .WithStrategy(RunStrategy.Monitoring)
            .WithLaunchCount(1)
            .WithWarmupCount(1)
            .WithIterationCount(10)
            .WithInvocationCount(200)
            .WithUnrollFactor(1)
            .WithToolchain(InProcessEmitToolchain.Instance));
    }

    private double Percentile(double p) => _latencies[Math.Min(_latencies.Count - 1, (int)(p * _latencies.Count))];
}
