using Eventing.Conformance;

namespace Eventing.RabbitMq.Tests.Conformance;

// The fault suite restarts and kills the shared broker: "BrokerRestart" in the names makes CI run it alone.

public sealed class ClassicFaultBrokerRestartConformance(ClassicRabbitMqTarget target) : FaultConformance<ClassicRabbitMqTarget>(target), IClassFixture<ClassicRabbitMqTarget>;

public sealed class QuorumFaultBrokerRestartConformance(QuorumRabbitMqTarget target) : FaultConformance<QuorumRabbitMqTarget>(target), IClassFixture<QuorumRabbitMqTarget>;

public sealed class ClassicPoisonConformance(ClassicRabbitMqTarget target) : PoisonConformance<ClassicRabbitMqTarget>(target), IClassFixture<ClassicRabbitMqTarget>;

public sealed class QuorumPoisonConformance(QuorumRabbitMqTarget target) : PoisonConformance<QuorumRabbitMqTarget>(target), IClassFixture<QuorumRabbitMqTarget>;
