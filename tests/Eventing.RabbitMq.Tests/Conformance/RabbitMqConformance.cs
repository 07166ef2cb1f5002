using Eventing.Conformance;

namespace Eventing.RabbitMq.Tests.Conformance;

// The whole conformance suite, on classic and on quorum queues.

public sealed class ClassicDeliveryConformance(ClassicRabbitMqTarget target) : DeliveryConformance<ClassicRabbitMqTarget>(target), IClassFixture<ClassicRabbitMqTarget>;

public sealed class ClassicBrokerRestartConformance(ClassicRabbitMqTarget target) : BrokerRestartConformance<ClassicRabbitMqTarget>(target), IClassFixture<ClassicRabbitMqTarget>;

public sealed class ClassicConnectionConformance(ClassicRabbitMqTarget target) : ConnectionConformance<ClassicRabbitMqTarget>(target), IClassFixture<ClassicRabbitMqTarget>;

public sealed class QuorumDeliveryConformance(QuorumRabbitMqTarget target) : DeliveryConformance<QuorumRabbitMqTarget>(target), IClassFixture<QuorumRabbitMqTarget>;

public sealed class QuorumBrokerRestartConformance(QuorumRabbitMqTarget target) : BrokerRestartConformance<QuorumRabbitMqTarget>(target), IClassFixture<QuorumRabbitMqTarget>;

public sealed class QuorumConnectionConformance(QuorumRabbitMqTarget target) : ConnectionConformance<QuorumRabbitMqTarget>(target), IClassFixture<QuorumRabbitMqTarget>;
