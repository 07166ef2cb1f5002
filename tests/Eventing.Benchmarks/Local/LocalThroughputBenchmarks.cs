using System.Text.Json;
using System.Threading.Channels;
using BenchmarkDotNet.Attributes;
using Eventing.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Eventing.Benchmarks.Local;

/// <summary>
/// The local provider end to end (send → serialize → queue → pipelines → deserialize → DI scope → listener)
/// against its twin: the same loop over a bare bounded Channel with System.Text.Json on both ends.
/// Both move <see cref="Events"/> events per invocation, so the reported time is per event.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class LocalThroughputBenchmarks
{
    public const int Events = 10_000;

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);
    private static readonly BenchmarkOrder Order = new(42, "ada", 99.95m);

    private ServiceProvider? _services;
    private IEventManager? _events;
    private Counter? _counter;

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

    [Benchmark(Baseline = true, OperationsPerInvoke = Events, Description = "twin: Channel + System.Text.Json")]
    public async Task ChannelTwin()
    {
        var channel = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.Wait });
        var consumer = Task.Run(async () =>
        {
            var received = 0;
            await foreach (var body in channel.Reader.ReadAllAsync())
            {
                var order = JsonSerializer.Deserialize<BenchmarkOrder>(body, JsonOptions)!;
                received += order.Number > 0 ? 1 : 0;
            }

            return received;
        });

        for (var i = 0; i < Events; i++)
        {
            var body = JsonSerializer.SerializeToUtf8Bytes(Order, JsonOptions);
            if (!channel.Writer.TryWrite(body))
            {
                await channel.Writer.WriteAsync(body);
            }
        }

        channel.Writer.Complete();
        if (await consumer != Events)
        {
            throw new InvalidOperationException("The twin lost events.");
        }
    }

    [Benchmark(OperationsPerInvoke = Events, Description = "Eventing local provider, send → listener")]
    public Task LocalProvider() => SendAllAsync(_events!, _counter!);

    /// <summary>Sends <see cref="Events"/> events and waits until the listener has counted every one.</summary>
    internal static async Task SendAllAsync(IEventManager events, Counter counter)
    {
        var done = counter.Expect(Events);
        for (var i = 0; i < Events; i++)
        {
            var send = events.SendAsync(Order);
            if (!send.IsCompletedSuccessfully)
            {
                await send;
            }
        }

        // A lost event fails the benchmark instead of leaving it waiting for ever.
        await done.WaitAsync(TimeSpan.FromMinutes(2));
    }

    public sealed class Counter
    {
        private int _remaining;
        private TaskCompletionSource _done = new();

        public Task Expect(int count)
        {
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
