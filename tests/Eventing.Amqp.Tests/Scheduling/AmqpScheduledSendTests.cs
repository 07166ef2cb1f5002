using Eventing.Amqp.Tests.Conformance;
using Eventing.Conformance;

namespace Eventing.Amqp.Tests.Scheduling;

/// <summary>AMQP 1.0 has no broker-neutral way to hold a message: a scheduled send is refused, naming the way out.</summary>
public sealed class AmqpScheduledSendTests(AmqpTarget target) : ConformanceTests<AmqpTarget>(target), IClassFixture<AmqpTarget>
{
    [Fact]
    public async Task A_scheduled_send_is_refused_naming_the_options_and_the_outbox()
    {
        await using var host = await TestHost.StartAsync(Target);
        var refused = await Assert.ThrowsAsync<NotSupportedException>(async () =>
            await host.Events.SendAsync(new AmqpScheduledEvent(NewRun()), new SendOptions { Delay = TimeSpan.FromSeconds(5) }, CancellationToken.None));
        Assert.Contains("SendOptions.Delay", refused.Message, StringComparison.Ordinal);
        Assert.Contains("IOutbox.ScheduleAsync", refused.Message, StringComparison.Ordinal);
    }
}

[Event("amqp.scheduled.refused", Durable = true)]
internal sealed record AmqpScheduledEvent(string Run);
