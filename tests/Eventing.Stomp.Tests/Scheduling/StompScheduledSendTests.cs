using Eventing.Conformance;
using Eventing.Stomp.Tests.Conformance;

namespace Eventing.Stomp.Tests.Scheduling;

/// <summary>Scheduled sends over STOMP on ActiveMQ: its scheduler holds them (AMQ_SCHEDULED_DELAY).</summary>
public sealed class ActiveMqScheduledSendTests(ActiveMqStompTarget target) : ScheduledSendConformance<ActiveMqStompTarget>(target), IClassFixture<ActiveMqStompTarget>;

public sealed class ActiveMqBrokerHeldScheduleTests(ActiveMqStompTarget target) : BrokerHeldScheduleConformance<ActiveMqStompTarget>(target), IClassFixture<ActiveMqStompTarget>;

/// <summary>RabbitMQ's STOMP adapter cannot declare the delay levels: a scheduled send is refused, naming the way out.</summary>
public sealed class RabbitMqStompScheduledSendTests(RabbitMqStompTarget target) : ConformanceTests<RabbitMqStompTarget>(target), IClassFixture<RabbitMqStompTarget>
{
    [Fact]
    public async Task A_scheduled_send_is_refused_naming_the_outbox()
    {
        await using var host = await TestHost.StartAsync(Target);
        var refused = await Assert.ThrowsAsync<NotSupportedException>(async () =>
            await host.Events.ScheduleAsync(new StompScheduledEvent(NewRun()), DateTimeOffset.UtcNow.AddSeconds(5)));
        Assert.Contains("IOutbox.ScheduleAsync", refused.Message, StringComparison.Ordinal);
        Assert.Contains("RabbitMq", refused.Message, StringComparison.Ordinal);
    }
}

[Event("stomp.scheduled.refused", Durable = true)]
internal sealed record StompScheduledEvent(string Run);
