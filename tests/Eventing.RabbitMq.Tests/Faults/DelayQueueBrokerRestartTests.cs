using Eventing.Conformance;
using Eventing.RabbitMq.Tests.Conformance;

namespace Eventing.RabbitMq.Tests.Faults;

// Restarts the shared broker: "BrokerRestart" in the name makes CI run it alone. Outside the DelayedRetry folder and
// namespace on purpose, so `--filter FullyQualifiedName~DelayedRetry` never restarts the broker.

/// <summary>Messages waiting in a delay queue are the broker's: they survive a broker restart.</summary>
public sealed class DelayQueueBrokerRestartTests(ClassicRabbitMqTarget target) : DelayQueueBrokerRestartConformance<ClassicRabbitMqTarget>(target), IClassFixture<ClassicRabbitMqTarget>;
