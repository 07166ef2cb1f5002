using Eventing.Amqp.Tests.Infrastructure;
using Eventing.Conformance;

namespace Eventing.Amqp.Tests.Conformance;

/// <summary>Broker restarts over AMQP 1.0: nothing confirmed is lost, sends wait up to the timeout, recovery is automatic.</summary>
[Collection(BrokerRestarts.Name)]
public sealed class AmqpBrokerRestartConformance(AmqpTarget target) : BrokerRestartConformance<AmqpTarget>(target), IClassFixture<AmqpTarget>;

/// <summary>Delayed retries waiting in RabbitMQ's delay queues across a restart, reached over AMQP 1.0.</summary>
[Collection(BrokerRestarts.Name)]
public sealed class AmqpDelayQueueBrokerRestartConformance(AmqpTarget target) : DelayQueueBrokerRestartConformance<AmqpTarget>(target), IClassFixture<AmqpTarget>;
