using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Threading.Channels;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Eventing.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Eventing.Benchmarks.Local;

/// <summary>
/// The local provider end to end (send → serialize → queue → pipelines → deserialize → DI scope → listener)
/// against its twin: the same loop over a bare bounded Channel with System.Text.Json on both ends, and against the
/// in-memory transports of two peers (MassTransit, Wolverine; one partial file each). Every case moves
/// <see cref="Events"/> events per invocation and waits until the consumer has seen each one, so the reported time
/// (and allocation) is per event, both ends included.
/// </summary>
/// <remarks>
/// Two ways to send, a category each with the twin as its baseline: "awaited sends" awaits every send before the
/// next one (what a caller that awaits <c>SendAsync</c> does); "batched sends" starts <see cref="Batch"/> sends and
/// awaits them together. A send completes once its message is queued, not once it was handled, in both categories.
/// </remarks>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public partial class LocalThroughputBenchmarks
{
    public const int Events = 10_000;
    private const int Batch = 1_000;
    private const string AwaitedSends = "awaited sends";
    private const string BatchedSends = "batched sends";

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);
    private static readonly BenchmarkOrder Order = new(42, "ada", 99.95m);

    private ServiceProvider? _services;
    private IEventManager? _events;
    private Counter? _counter;

    // The peers' cases have setups of their own (targeted setups win over this one); the twin needs none but gets
    // this one, as before the peers were added.
    [GlobalSetup]
    public async Task SetupAsync() => (_services, _events, _counter) = await StartBusAsync();

    [GlobalCleanup]
    public Task CleanupAsync() => StopBusAsync(_services!);

    /// <summary>A started bus on the local provider with the counting listener; other local benchmarks reuse it.</summary>
    internal static async Task<(ServiceProvider Services, IEventManager Events, Counter Counter)> StartBusAsync()
    {
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton<Counter>();
        services.AddEventing(events => events.AddListener<CountingListener>().UseLocal());
        var provider = services.BuildServiceProvider();
        foreach (var hosted in provider.GetServices<IHostedService>())
        {
            await hosted.StartAsync(CancellationToken.None);
        }

        return (provider, provider.GetRequiredService<IEventManager>(), provider.GetRequiredService<Counter>());
    }

    internal static async Task StopBusAsync(ServiceProvider services)
    {
        foreach (var hosted in services.GetServices<IHostedService>())
        {
            await hosted.StopAsync(CancellationToken.None);
        }

        await services.DisposeAsync();
    }

    // TryWrite, and WriteAsync only when the channel is full, is `await channel.Writer.WriteAsync(body)` with the
    // fast path spelled out: each write is awaited before the next.
    [Benchmark(Baseline = true, OperationsPerInvoke = Events, Description = "twin: Channel + System.Text.Json, await each write")]
    [BenchmarkCategory(AwaitedSends)]
    public async Task ChannelTwin()
    {
        var channel = CreateTwinChannel();
        var consumer = ConsumeTwinAsync(channel.Reader);
        for (var i = 0; i < Events; i++)
        {
            var body = JsonSerializer.SerializeToUtf8Bytes(Order, JsonOptions);
            if (!channel.Writer.TryWrite(body))
            {
                await channel.Writer.WriteAsync(body);
            }
        }

        await CompleteTwinAsync(channel, consumer);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Events, Description = "twin: Channel + System.Text.Json, 1,000 writes in flight")]
    [BenchmarkCategory(BatchedSends)]
    [SuppressMessage("Reliability", "CA2012:Use ValueTasks correctly", Justification = "Each send is stored once and awaited once, by WhenAllAsync.")]
    public async Task ChannelTwin_batched()
    {
        var channel = CreateTwinChannel();
        var consumer = ConsumeTwinAsync(channel.Reader);
        var writes = new ValueTask[Batch];
        for (var start = 0; start < Events; start += Batch)
        {
            for (var i = 0; i < Batch; i++)
            {
                writes[i] = channel.Writer.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(Order, JsonOptions));
            }

            await WhenAllAsync(writes);
        }

        await CompleteTwinAsync(channel, consumer);
    }

    // Our listener is the builder's default: concurrency 1 (EventingOptions.DefaultConcurrency), one event at a
    // time and in order, read from a local queue bounded at 1,024 (LocalProviderOptions.QueueCapacity).
    [Benchmark(OperationsPerInvoke = Events, Description = "Eventing local provider: SendAsync, await each")]
    [BenchmarkCategory(AwaitedSends)]
    public Task LocalProvider() => SendAllAsync(_events!, _counter!);

    [Benchmark(OperationsPerInvoke = Events, Description = "Eventing local provider: SendAsync, 1,000 in flight")]
    [BenchmarkCategory(BatchedSends)]
    [SuppressMessage("Reliability", "CA2012:Use ValueTasks correctly", Justification = "Each send is stored once and awaited once, by WhenAllAsync.")]
    public async Task LocalProvider_batched()
    {
        var done = _counter!.Expect(Events);
        var sends = new ValueTask[Batch];
        for (var start = 0; start < Events; start += Batch)
        {
            for (var i = 0; i < Batch; i++)
            {
                sends[i] = _events!.SendAsync(Order);
            }

            await WhenAllAsync(sends);
        }

        await done.WaitAsync(TimeSpan.FromMinutes(2));
    }

    /// <summary>Sends <see cref="Events"/> events, awaiting each, and waits until the listener has counted every one.</summary>
    internal static async Task SendAllAsync(IEventManager events, Counter counter)
    {
        var done = counter.Expect(Events);
        for (var i = 0; i < Events; i++)
        {
            // `await events.SendAsync(Order)` with the fast path spelled out: each send is awaited before the next.
            var send = events.SendAsync(Order);
            if (!send.IsCompletedSuccessfully)
            {
                await send;
            }
        }

        // A lost event fails the benchmark instead of leaving it waiting for ever.
        await done.WaitAsync(TimeSpan.FromMinutes(2));
    }

    /// <summary>
    /// Awaits sends that are all in flight: the same wait as Task.WhenAll (until the last one completes), without
    /// turning each ValueTask into a Task (AsTask allocates one for every send that did not complete at once).
    /// </summary>
    private static async ValueTask WhenAllAsync(ValueTask[] sends)
    {
        for (var i = 0; i < sends.Length; i++)
        {
            var send = sends[i];
            sends[i] = default;
            if (!send.IsCompletedSuccessfully)
            {
                await send;
            }
        }
    }

    private static Channel<byte[]> CreateTwinChannel() =>
        Channel.CreateBounded<byte[]>(new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.Wait });

    private static Task<int> ConsumeTwinAsync(ChannelReader<byte[]> reader) => Task.Run(async () =>
    {
        var received = 0;
        await foreach (var body in reader.ReadAllAsync())
        {
            var order = JsonSerializer.Deserialize<BenchmarkOrder>(body, JsonOptions)!;
            received += order.Number > 0 ? 1 : 0;
        }

        return received;
    });

    private static async Task CompleteTwinAsync(Channel<byte[]> channel, Task<int> consumer)
    {
        channel.Writer.Complete();
        if (await consumer.WaitAsync(TimeSpan.FromMinutes(2)) != Events)
        {
            throw new InvalidOperationException("The twin lost events.");
        }
    }

    /// <summary>Counts down the deliveries of one invocation; every consumer of this class reports to one.</summary>
    public sealed class Counter
    {
        private int _remaining;
        private TaskCompletionSource _done = new();

        public Task Expect(int count)
        {
            // Below zero, the previous invocation's consumer saw more messages than were sent (a route delivering
            // twice): it measured more work than it says, so it fails here rather than pass unnoticed.
            if (Volatile.Read(ref _remaining) < 0)
            {
                throw new InvalidOperationException($"{-Volatile.Read(ref _remaining)} more deliveries than sends: a message was delivered twice.");
            }

            _done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _remaining, count);
            return _done.Task;
        }

        public void Hit()
        {
            if (Interlocked.Decrement(ref _remaining) == 0)
            {
                _done.TrySetResult();
            }
        }
    }

    public sealed class CountingListener(Counter counter) : EventListener<BenchmarkOrder>
    {
        public override ValueTask OnAsync(BenchmarkOrder @event, EventContext context, CancellationToken cancellationToken)
        {
            counter.Hit();
            return ValueTask.CompletedTask;
        }
    }
}
