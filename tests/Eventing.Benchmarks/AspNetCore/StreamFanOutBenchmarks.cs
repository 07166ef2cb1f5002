using System.Diagnostics;
using System.Net;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Eventing.AspNetCore.Streams;
using Eventing.Benchmarks.RabbitMq;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Eventing.Benchmarks.AspNetCore;

/// <summary>
/// 1,000 WebSocket clients on one stream; events sent at a steady <see cref="EventsPerSecond"/> through the local
/// provider or RabbitMQ, so the server pushes 1,000 × that many messages a second. One operation sends for
/// <see cref="Seconds"/> s and waits until every client got every event. The cleanup prints, per iteration,
/// delivered/s and p50/p99 from just before SendAsync to the client's receive, and the managed heap per idle
/// connection (server and client live in this one process, so it is an upper bound for the server alone).
/// </summary>
/// <remarks>Run: <c>dotnet run -c Release --project tests/Eventing.Benchmarks -- --filter '*StreamFanOut*'</c>.</remarks>
[Config(typeof(Config))]
public class StreamFanOutBenchmarks
{
    public const int Clients = 1_000;
    public const int Seconds = 3;
    private const string Stream = "bench";

    private readonly List<string> _iterations = [];
    private readonly List<FanOutClient> _clients = new(Clients);
    private WebApplication _app = null!;
    private IEventManager _events = null!;
    private EventStreams _streams = null!;
    private LatencyHistogram _histogram = new();
    private TaskCompletionSource _allDelivered = new();
    private long _delivered;
    private long _expected;
    private string _memory = "";

    [Params("local", "rabbitmq")]
    public string Provider { get; set; } = "";

    [Params(10, 50)]
    public int EventsPerSecond { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        if (Provider == "rabbitmq")
        {
            await TestBroker.UpAsync();
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        builder.Services.AddEventing(events =>
        {
            events.AddEventStreams(streams => streams.Stream(Stream, s => s.Include<StreamTick>()));
            if (Provider == "rabbitmq")
            {
                events.UseRabbitMq(rabbit => rabbit.Uri = TestBroker.Uri);
            }
            else
            {
                events.UseLocal();
            }
        });
        _app = builder.Build();
        _app.UseWebSockets();
        _app.MapEventStream(Stream, "/events");
        await _app.StartAsync();
        _events = _app.Services.GetRequiredService<IEventManager>();
        _streams = _app.Services.GetRequiredService<EventStreams>();
        var address = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        var uri = new UriBuilder(new Uri(address, "/events")) { Scheme = "ws" }.Uri;

        var serverHeap = await IdleConnections.HeapPerConnectionAsync(uri, Clients, () => _streams.Get(Stream).ConnectionCount);
        var heapBefore = IdleConnections.Heap();
        var workingSetBefore = Environment.WorkingSet;
        for (var batch = 0; batch < Clients; batch += 50)
        {
            var connecting = new Task<FanOutClient>[Math.Min(50, Clients - batch)];
            for (var i = 0; i < connecting.Length; i++)
            {
                connecting[i] = FanOutClient.ConnectAsync(uri, () => _histogram, OnDelivered);
            }

            _clients.AddRange(await Task.WhenAll(connecting));
        }

        var heapPerConnection = (IdleConnections.Heap() - heapBefore) / (double)Clients / 1024;
        var workingSetPerConnection = (Environment.WorkingSet - workingSetBefore) / (double)Clients / 1024;
        _memory = $"per idle connection: server managed heap {serverHeap:0.0} KB (bare-socket clients); with ClientWebSocket clients in-process: heap {heapPerConnection:0.0} KB, working set {workingSetPerConnection:0.0} KB (server + client)";
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        Console.WriteLine($"// STREAM FANOUT {Provider} {EventsPerSecond} events/s x {Clients} clients; {_memory}");
        foreach (var iteration in _iterations)
        {
            Console.WriteLine("//   " + iteration);
        }

        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    [Benchmark]
    public async Task FanOut()
    {
        var events = EventsPerSecond * Seconds;
        _histogram = new LatencyHistogram();
        _allDelivered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Exchange(ref _delivered, 0);
        Volatile.Write(ref _expected, (long)events * Clients);
        var started = Stopwatch.GetTimestamp();
        for (var seq = 0; seq < events; seq++)
        {
            // A steady rate: event n leaves at n / rate seconds, never in a burst to catch up.
            var due = TimeSpan.FromSeconds(seq / (double)EventsPerSecond) - Stopwatch.GetElapsedTime(started);
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due);
            }

            await _events.SendAsync(new StreamTick(seq, Stopwatch.GetTimestamp()));
        }

        await _allDelivered.Task.WaitAsync(TimeSpan.FromSeconds(120));
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        _iterations.Add(
            $"{_histogram.Count:N0} delivered in {elapsed:0.00} s = {_histogram.Count / elapsed:N0}/s; " +
            $"SendAsync -> client p50 {_histogram.Percentile(0.50):0.0} ms, p99 {_histogram.Percentile(0.99):0.0} ms, max {_histogram.Percentile(1.0):0.0} ms");
    }

    private void OnDelivered()
    {
        if (Interlocked.Increment(ref _delivered) == Volatile.Read(ref _expected))
        {
            _allDelivered.TrySetResult();
        }
    }

    /// <summary>In process (the clients must share it), one launch, one warm-up, three measured runs.</summary>
    private sealed class Config : ManualConfig
    {
        public Config() => AddJob(Job.Default
            .WithStrategy(RunStrategy.Monitoring)
            .WithLaunchCount(1)
            .WithWarmupCount(1)
            .WithIterationCount(3)
            .WithInvocationCount(1)
            .WithUnrollFactor(1)
            .WithToolchain(InProcessEmitToolchain.Instance));
    }
}
