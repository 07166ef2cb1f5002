using Eventing.Conformance;

namespace Eventing.Stomp.Tests.Conformance;

/// <summary>The STOMP provider on ActiveMQ Classic 5.17 (virtual topics).</summary>
public sealed class ActiveMqStompTarget : StompTarget
{
    public override string Name => "stomp-amq";

    protected override string Broker => "activemq";
}

/// <summary>The STOMP provider on RabbitMQ 3.10 (amq.topic and named queues).</summary>
public sealed class RabbitMqStompTarget : StompTarget
{
    public override string Name => "stomp-rmq";

    protected override string Broker => "rabbitmq";
}

/// <summary>
/// The STOMP provider on RabbitMQ 3.10 with quorum queues: the same queues, and the same declarations, as the RabbitMq
/// provider's quorum listeners.
/// </summary>
public sealed class QuorumRabbitMqStompTarget : StompTarget
{
    public override string Name => "stomp-rmq-quorum";

    protected override string Broker => "rabbitmq";

    protected override StompQueueType QueueType => StompQueueType.Quorum;
}

/// <summary>Tests that stop or restart a broker run alone: every other test class shares the brokers.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class StompBrokerRestarts
{
    public const string Name = "stomp broker restarts";
}

public sealed class ActiveMqDeliveryConformance(ActiveMqStompTarget target) : DeliveryConformance<ActiveMqStompTarget>(target), IClassFixture<ActiveMqStompTarget>;

public sealed class ActiveMqStopConformance(ActiveMqStompTarget target) : StopConformance<ActiveMqStompTarget>(target), IClassFixture<ActiveMqStompTarget>;

public sealed class RabbitMqDeliveryConformance(RabbitMqStompTarget target) : DeliveryConformance<RabbitMqStompTarget>(target), IClassFixture<RabbitMqStompTarget>;

public sealed class RabbitMqStopConformance(RabbitMqStompTarget target) : StopConformance<RabbitMqStompTarget>(target), IClassFixture<RabbitMqStompTarget>;

// No StopConformance on quorum queues: there RabbitMQ itself drops some SENDs without a receipt that arrived just
// before DISCONNECT, although it answered the DISCONNECT's receipt (7-29 of 100). Events that are not durable are
// at most once; the README's delivery guarantees say so.

public sealed class QuorumRabbitMqDeliveryConformance(QuorumRabbitMqStompTarget target) : DeliveryConformance<QuorumRabbitMqStompTarget>(target), IClassFixture<QuorumRabbitMqStompTarget>;

public sealed class ActiveMqConnectionConformance(ActiveMqStompTarget target) : ConnectionConformance<ActiveMqStompTarget>(target), IClassFixture<ActiveMqStompTarget>;

public sealed class RabbitMqConnectionConformance(RabbitMqStompTarget target) : ConnectionConformance<RabbitMqStompTarget>(target), IClassFixture<RabbitMqStompTarget>;

[Collection(StompBrokerRestarts.Name)]
public sealed class ActiveMqBrokerRestartConformance(ActiveMqStompTarget target) : BrokerRestartConformance<ActiveMqStompTarget>(target), IClassFixture<ActiveMqStompTarget>;

[Collection(StompBrokerRestarts.Name)]
public sealed class RabbitMqBrokerRestartConformance(RabbitMqStompTarget target) : BrokerRestartConformance<RabbitMqStompTarget>(target), IClassFixture<RabbitMqStompTarget>;

// Delayed retries waiting in ActiveMQ's scheduler store and in RabbitMQ's delay queues across a restart.
[Collection(StompBrokerRestarts.Name)]
public sealed class ActiveMqDelayQueueBrokerRestartConformance(ActiveMqStompTarget target) : DelayQueueBrokerRestartConformance<ActiveMqStompTarget>(target), IClassFixture<ActiveMqStompTarget>;

[Collection(StompBrokerRestarts.Name)]
public sealed class RabbitMqDelayQueueBrokerRestartConformance(RabbitMqStompTarget target) : DelayQueueBrokerRestartConformance<RabbitMqStompTarget>(target), IClassFixture<RabbitMqStompTarget>;

public sealed class ActiveMqTelemetryConformance(ActiveMqStompTarget target) : TelemetryConformance<ActiveMqStompTarget>(target), IClassFixture<ActiveMqStompTarget>;

public sealed class RabbitMqTelemetryConformance(RabbitMqStompTarget target) : TelemetryConformance<RabbitMqStompTarget>(target), IClassFixture<RabbitMqStompTarget>;
