using Eventing.Conformance;
using Eventing.RabbitMq.Tests.Conformance;
using Eventing.RabbitMq.Topology;

namespace Eventing.RabbitMq.Tests.Scheduling;

/// <summary>Scheduled sends on RabbitMQ: the message waits in the delay levels of its set bits, then reaches the exchange.</summary>
public sealed class RabbitMqScheduledSendTests(ClassicRabbitMqTarget target) : ScheduledSendConformance<ClassicRabbitMqTarget>(target), IClassFixture<ClassicRabbitMqTarget>;

public sealed class RabbitMqBrokerHeldScheduleTests(ClassicRabbitMqTarget target) : BrokerHeldScheduleConformance<ClassicRabbitMqTarget>(target), IClassFixture<ClassicRabbitMqTarget>;

public sealed class RabbitMqScheduleTopologyTests
{
    [Fact]
    public void A_delay_waits_in_the_levels_of_its_set_bits_entering_at_the_highest()
    {
        // 2,500 ms = 2,048 + 256 + 128 + 64 + 4.
        var headers = new Dictionary<string, object?>(StringComparer.Ordinal);
        RabbitMqScheduleTopology.AddRoutingHeaders(headers, 2_500);
        Assert.Equal(["eventing-delay-11", "eventing-delay-2", "eventing-delay-6", "eventing-delay-7", "eventing-delay-8"], headers.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(11, RabbitMqScheduleTopology.FirstLevel(2_500));
        Assert.Equal(5, RabbitMqScheduleTopology.RoutingHeaderCount(2_500));
    }

    [Fact]
    public void Each_level_holds_for_its_power_of_two_and_passes_on_to_the_level_below_and_level_0_to_the_exchange()
    {
        var level5 = RabbitMqScheduleTopology.QueueArguments("orders", 5, RabbitMqQueueType.Classic);
        Assert.Equal(32L, level5["x-message-ttl"]);
        Assert.Equal("eventing.delay.orders.4", level5["x-dead-letter-exchange"]);
        Assert.False(level5.ContainsKey("x-dead-letter-routing-key"));
        Assert.Equal("eventing.delay.orders.4", RabbitMqScheduleTopology.ExchangeArguments("orders", 5)["alternate-exchange"]);
        Assert.Equal("orders", RabbitMqScheduleTopology.QueueArguments("orders", 0, RabbitMqQueueType.Classic)["x-dead-letter-exchange"]);
        Assert.Equal("quorum", RabbitMqScheduleTopology.QueueArguments("orders", 3, RabbitMqQueueType.Quorum)["x-queue-type"]);
    }

    [Fact]
    public void Delays_round_up_to_whole_milliseconds_and_the_longest_fits_the_levels()
    {
        Assert.Equal(2L, RabbitMqScheduleTopology.Milliseconds(TimeSpan.FromTicks(10_001)));
        Assert.Equal(1L, RabbitMqScheduleTopology.Milliseconds(TimeSpan.Zero));
        Assert.InRange(RabbitMqScheduleTopology.FirstLevel(RabbitMqScheduleTopology.Milliseconds(SendOptions.MaxDelay)), 0, RabbitMqScheduleTopology.Levels - 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => RabbitMqScheduleTopology.FirstLevel(1L << RabbitMqScheduleTopology.Levels));
    }
}
