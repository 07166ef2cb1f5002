using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Eventing.Benchmarks.RabbitMq;

/// <summary>
/// The figures behind one delay queue per listener and configured delay (`-- delay-queues`, broker from
/// <c>eng/services.sh up</c>): what idle delay queues cost the broker, and how late a short wait comes out when it
/// shares a queue with a long one (per-message TTL) instead of having a queue of its own (per-queue TTL).
/// Not a BenchmarkDotNet case: one run takes a minute of broker time, and the smoke run must not.
/// </summary>
internal static class DelayQueueMeasurement
{
    private const string Prefix = "bench.delay-queues.";

    public static async Task<int> RunAsync()
    {
        var uri = TestBroker.Uri;
        await using var connection = await new ConnectionFactory { Uri = uri }.CreateConnectionAsync("bench-delay-queues");
        await using var channel = await connection.CreateChannelAsync();

        Console.WriteLine("idle delay queues | broker memory (erlang:memory(total)) | their queue processes");
        foreach (var count in new[] { 0, 30, 300 })
        {
            var before = await BrokerMemoryAsync();
            for (var i = 0; i < count; i++)
            {
                await channel.QueueDeclareAsync($"{Prefix}idle.{i}", durable: true, exclusive: false, autoDelete: false, DelayQueueArguments(10_000 + i, Prefix + "sink"));
            }

            // Let the new processes settle before reading.
            await Task.Delay(TimeSpan.FromSeconds(2));
            var after = await BrokerMemoryAsync();
            var queues = await QueueMemoryAsync(Prefix + "idle.");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{count,17} | {after / 1e6,7:F1} MB ({(after - before) / 1e6:F1} MB since the previous row, other clients included) | {queues / 1e6:F2} MB, {(count == 0 ? 0 : queues / count / 1e3):F1} KB each"));
            for (var i = 0; i < count; i++)
            {
                await channel.QueueDeleteAsync($"{Prefix}idle.{i}");
            }
        }

        Console.WriteLine();
        Console.WriteLine("a 60 s wait sent first, then a 10 s wait | 10 s message out after | 60 s message out after");
        await using var other = await connection.CreateChannelAsync();
        var both = await Task.WhenAll(LatenessAsync(channel, perQueue: false), LatenessAsync(other, perQueue: true));
        var (shared, separate) = (both[0], both[1]);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"one queue, per-message TTL (expiration) | {shared.Short.TotalSeconds,6:F2} s | {shared.Long.TotalSeconds,6:F2} s"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"one queue per delay, x-message-ttl      | {separate.Short.TotalSeconds,6:F2} s | {separate.Long.TotalSeconds,6:F2} s"));
        return 0;
    }

    private static Dictionary<string, object?> DelayQueueArguments(int ttl, string deadLetterTo) => new()
    {
        ["x-message-ttl"] = ttl,
        ["x-dead-letter-exchange"] = string.Empty,
        ["x-dead-letter-routing-key"] = deadLetterTo,
    };

    private static async Task<(TimeSpan Short, TimeSpan Long)> LatenessAsync(IChannel channel, bool perQueue)
    {
        var mode = perQueue ? "per-queue" : "shared";
        var sink = $"{Prefix}{mode}.sink";
        await channel.QueueDeclareAsync(sink, durable: false, exclusive: false, autoDelete: false);
        await channel.QueuePurgeAsync(sink);
        var longQueue = $"{Prefix}{mode}.60s";
        var shortQueue = perQueue ? $"{Prefix}{mode}.10s" : longQueue;
        foreach (var (queue, ttl) in perQueue ? new[] { (longQueue, 60_000), (shortQueue, 10_000) } : [(longQueue, 0)])
        {
            await channel.QueueDeleteAsync(queue);
            var arguments = DelayQueueArguments(ttl, sink);
            if (!perQueue)
            {
                arguments.Remove("x-message-ttl");
            }

            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments);
        }

        var arrived = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        var both = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var clock = Stopwatch.StartNew();
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            lock (arrived)
            {
                arrived[delivery.BasicProperties.MessageId!] = clock.Elapsed;
                if (arrived.Count == 2)
                {
                    both.TrySetResult();
                }
            }

            return Task.CompletedTask;
        };
        var tag = await channel.BasicConsumeAsync(sink, autoAck: true, consumer);

        // The long wait first, as when one listener's 1 min retry is queued before another message's 10 s one.
        await channel.BasicPublishAsync(string.Empty, longQueue, mandatory: false, new BasicProperties { MessageId = "60s", Expiration = perQueue ? null : "60000", Persistent = true }, "60"u8.ToArray());
        await channel.BasicPublishAsync(string.Empty, shortQueue, mandatory: false, new BasicProperties { MessageId = "10s", Expiration = perQueue ? null : "10000", Persistent = true }, "10"u8.ToArray());
        await both.Task.WaitAsync(TimeSpan.FromMinutes(3));
        await channel.BasicCancelAsync(tag);
        foreach (var queue in new[] { longQueue, shortQueue, sink }.Distinct())
        {
            await channel.QueueDeleteAsync(queue);
        }

        return (arrived["10s"], arrived["60s"]);
    }

    private static async Task<long> BrokerMemoryAsync() =>
        long.Parse((await TestBroker.CtlAsync("eval", "erlang:memory(total).")).Trim(), CultureInfo.InvariantCulture);

    private static async Task<long> QueueMemoryAsync(string prefix)
    {
        using var queues = JsonDocument.Parse(await TestBroker.CtlAsync("list_queues", "name", "memory", "--formatter", "json"));
        return queues.RootElement.EnumerateArray()
            .Where(queue => queue.GetProperty("name").GetString()!.StartsWith(prefix, StringComparison.Ordinal))
            .Sum(queue => queue.GetProperty("memory").GetInt64());
    }
}
