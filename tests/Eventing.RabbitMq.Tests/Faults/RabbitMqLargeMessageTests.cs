using System.Text.Json;
using Eventing.Conformance;
using Eventing.RabbitMq.Tests.Conformance;
using Eventing.RabbitMq.Tests.Wire;
using RabbitMQ.Client;

namespace Eventing.RabbitMq.Tests.Faults;

/// <summary>A message above RabbitMQ.Client's default inbound limit is dead-lettered; the connection stays up.</summary>
public sealed class RabbitMqLargeMessageTests(ClassicRabbitMqTarget target) : ConformanceTests<ClassicRabbitMqTarget>(target), IClassFixture<ClassicRabbitMqTarget>
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task A_message_above_the_clients_default_limit_is_dead_lettered_as_too_large_and_the_next_one_is_handled()
    {
        var run = NewRun();
        var name = Listener("large");
        var queue = Queue("faults.rabbit.large", name);
        var handled = new Collector<int>();
        await using var host = await TestHost.StartAsync(Target);
        await using var subscription = await host.Events.SubscribeAsync<LargeEvent>(name, (e, _, _) =>
        {
            if (e.Run == run)
            {
                handled.Add(e.Seq);
            }

            return default;
        });
        await using var raw = await RawRabbit.ConnectAsync(RabbitMqProviderOptions.MaxInboundMessageBytesLimit);
        try
        {
            // 65 MiB: above RabbitMQ.Client's default of 64 MiB, below RabbitMQ's default max_message_size of 128 MiB.
            var body = new byte[65 * 1024 * 1024];
            await raw.PublishAsync("faults.rabbit.large", new BasicProperties { ContentType = "application/json", DeliveryMode = DeliveryModes.Persistent, Type = "faults.rabbit.large" }, body);
            await host.Events.SendAsync(new LargeEvent(run, 2));

            await handled.WaitForCountAsync(1, Patience, "the event after the large message");
            Assert.Equal([2], handled.Items);
            var dead = await raw.ReceiveFromQueueAsync(queue + ".dead-letter", Patience);
            Assert.Equal(DeadLetterReasons.TooLarge, System.Text.Encoding.UTF8.GetString((byte[])dead.BasicProperties.Headers!["ce_deadletterreason"]!));
            Assert.Equal(body.Length, dead.Body.Length);
        }
        finally
        {
            await raw.DeleteQueueAsync(queue + ".dead-letter");
        }
    }
}
