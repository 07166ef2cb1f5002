using Eventing.Conformance;

namespace Eventing.Stomp.Tests.Conformance;

// The fault suite restarts and kills the shared brokers: "BrokerRestart" in the names makes CI run it alone.

[Collection(StompBrokerRestarts.Name)]
public sealed class ActiveMqFaultBrokerRestartConformance(ActiveMqStompTarget target) : FaultConformance<ActiveMqStompTarget>(target), IClassFixture<ActiveMqStompTarget>;

[Collection(StompBrokerRestarts.Name)]
public sealed class RabbitMqFaultBrokerRestartConformance(RabbitMqStompTarget target) : FaultConformance<RabbitMqStompTarget>(target), IClassFixture<RabbitMqStompTarget>;

public sealed class ActiveMqPoisonConformance(ActiveMqStompTarget target) : PoisonConformance<ActiveMqStompTarget>(target), IClassFixture<ActiveMqStompTarget>;

public sealed class RabbitMqPoisonConformance(RabbitMqStompTarget target) : PoisonConformance<RabbitMqStompTarget>(target), IClassFixture<RabbitMqStompTarget>;

public sealed class QuorumRabbitMqPoisonConformance(QuorumRabbitMqStompTarget target) : PoisonConformance<QuorumRabbitMqStompTarget>(target), IClassFixture<QuorumRabbitMqStompTarget>;
