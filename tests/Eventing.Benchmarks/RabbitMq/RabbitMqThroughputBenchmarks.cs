using System.Diagnostics;
using System.Text.Json;
using System.Threading.RateLimiting;
using BenchmarkDotNet.Attributes;
using Eventing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Eventing.Benchmarks.RabbitMq;

[Event("bench.rabbitmq", Durable = true)]
public sealed record RabbitMqBenchEvent(int Seq, string Payload);

/// <summary>
/// Durable end-to-end throughput on the test RabbitMQ: send <see cref="Messages"/> persistent ~100-byte messages with
/// publisher confirms, all in flight (at most <see cref="ConfirmWindow"/> awaiting their confirm), then consume
/// them with prefetch <see cref="Prefetch"/> and a manual ack each. Our provider and raw RabbitMQ.Client 7 do
/// exactly the same in the same run; one operation is one message, so Mean is time per message, Allocated is
/// bytes per message, and Ratio is ours / raw (time, so throughput ratio = 1 / Ratio).
/// </summary>
/// <remarks>Run: <c>dotnet run -c Release --project tests/Eventing.Benchmarks -- --filter '*RabbitMqThroughput*'</c>.</remarks>
[MemoryDiagnoser]
[Config(typeof(MessagesPerSecondConfig))]
public class RabbitMqThroughputBenchmarks
{
    public const int Messages = 10_000;
    public const int AwaitEachMessages = 1_000;
    private const int ConfirmWindow = 1_000;
    private const ushort Prefetch = 100;
    private const string RawQueue = "bench.rabbitmq.raw";
    private const string RawKey = "bench.rabbitmq.raw";
    private const string ListenerName = "bench";
    private const string OurQueue = "bench.rabbitmq::bench";

    private static readonly JsonSerializerOptions WebJson = new(JsonSerializerDefaults.Web);

    private IConnection _raw = null!;
    private IChannel _rawPublisher = null!;
    private IChannel _admin = null!;
    private Microsoft.Extensions.Hosting.IHost _host = null!;
    private IEventManager _events = null!;
    private byte[] _rawBody = null!;
    private RabbitMqBenchEvent[] _records = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        await BrokerScript.UpAsync();
        var uri = new Uri(Environment.GetEnvironmentVariable("EVENTING_RABBITMQ_URI") is { Length: > 0 } u ? u : "amqp://guest:guest@127.0.0.1:5672/");
        _raw = await new ConnectionFactory { Uri = uri }.CreateConnectionAsync("bench-raw");
        _rawPublisher = await _raw.CreateChannelAsync(new CreateChannelOptions(true, true, new ConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = ConfirmWindow, QueueLimit = int.MaxValue })));
        _admin = await _raw.CreateChannelAsync();
        await _admin.QueueDeclareAsync(RawQueue, durable: true, exclusive: false, autoDelete: false);
        await _admin.QueueBindAsync(RawQueue, "amq.topic", RawKey);

        // ~100 bytes of JSON, as the reference workload; the raw client sends the very same bytes.
        _records = new RabbitMqBenchEvent[Messages];
        for (var i = 0; i < Messages; i++)
        {
            _records[i] = new RabbitMqBenchEvent(i, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
        }

        _rawBody = JsonSerializer.SerializeToUtf8Bytes(_records[0], WebJson);

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        // The listener queue is declared at start, so sends before the consumer starts are kept.
        builder.Services.AddEventing(events => events.Provision<RabbitMqBenchEvent>(ListenerName).UseRabbitMq(rabbit =>
        {
            rabbit.Uri = uri;
            rabbit.MaxOutstandingConfirms = ConfirmWindow;
            rabbit.PrefetchPerConcurrency = Prefetch;
        }));
        _host = builder.Build();
        await _host.StartAsync();
        _events = _host.Services.GetRequiredService<IEventManager>();
    }

    [IterationSetup]
    public void Purge()
    {
        _admin.QueuePurgeAsync(RawQueue).GetAwaiter().GetResult();
        _admin.QueuePurgeAsync(OurQueue).GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        await _admin.QueueDeleteAsync(RawQueue);
        await _raw.CloseAsync();
        _raw.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Messages, Description = "raw RabbitMQ.Client: send (confirms in flight) + consume (prefetch, ack each)")]
    public async Task Raw_end_to_end()
    {
        var sends = new Task[Messages];
        var properties = new BasicProperties { DeliveryMode = DeliveryModes.Persistent, ContentType = "application/json" };
        for (var i = 0; i < Messages; i++)
        {
            sends[i] = _rawPublisher.BasicPublishAsync("amq.topic", RawKey, false, properties, _rawBody).AsTask();
        }

        await Task.WhenAll(sends);

        await using var channel = await _raw.CreateChannelAsync();
        await channel.BasicQosAsync(0, Prefetch, false);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var received = 0;
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            // The same work a provider must do: own the body beyond the callback, then ack.
            _ = delivery.Body.ToArray();
            await channel.BasicAckAsync(delivery.DeliveryTag, false);
            if (++received == Messages)
            {
                done.TrySetResult();
            }
        };
        var tag = await channel.BasicConsumeAsync(RawQueue, autoAck: false, consumer);
        await done.Task.WaitAsync(TimeSpan.FromMinutes(2));
        await channel.BasicCancelAsync(tag);
    }

    [Benchmark(OperationsPerInvoke = Messages, Description = "Eventing.RabbitMq: SendAsync (confirms in flight) + listener (prefetch, ack each)")]
    public async Task Eventing_end_to_end()
    {
        var sends = new Task[Messages];
        for (var i = 0; i < Messages; i++)
        {
            sends[i] = _events.SendAsync(_records[i]).AsTask();
        }

        await Task.WhenAll(sends);

        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var received = 0;
        await using var subscription = await _events.SubscribeAsync<RabbitMqBenchEvent>(ListenerName, (_, _, _) =>
        {
            if (Interlocked.Increment(ref received) == Messages)
            {
                done.TrySetResult();
            }

            return default;
        });
        await done.Task.WaitAsync(TimeSpan.FromMinutes(2));
    }

    [Benchmark(OperationsPerInvoke = AwaitEachMessages, Description = "raw RabbitMQ.Client: send, await each confirm")]
    public async Task Raw_await_each_send()
    {
        var properties = new BasicProperties { DeliveryMode = DeliveryModes.Persistent, ContentType = "application/json" };
        for (var i = 0; i < AwaitEachMessages; i++)
        {
            await _rawPublisher.BasicPublishAsync("amq.topic", RawKey, false, properties, _rawBody);
        }
    }

    [Benchmark(OperationsPerInvoke = AwaitEachMessages, Description = "Eventing.RabbitMq: SendAsync, await each")]
    public async Task Eventing_await_each_send()
    {
        for (var i = 0; i < AwaitEachMessages; i++)
        {
            await _events.SendAsync(_records[i]);
        }
    }
}

/// <summary>Runs eng/brokers.sh up (idempotent) so the benchmark has its broker.</summary>
internal static class BrokerScript
{
    public static async Task UpAsync()
    {
        var root = AppContext.BaseDirectory;
        while (root is not null && !File.Exists(Path.Combine(root, "eng", "brokers.sh")))
        {
            root = Path.GetDirectoryName(root.TrimEnd('/'));
        }

        if (root is null)
        {
            throw new InvalidOperationException("eng/brokers.sh not found above " + AppContext.BaseDirectory);
        }

        using var process = Process.Start(new ProcessStartInfo("bash", "eng/brokers.sh up") { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardInput = true })!;
        process.StandardInput.Close();
        _ = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException("eng/brokers.sh up failed; the RabbitMQ benchmark needs the test broker.");
        }
    }
}
