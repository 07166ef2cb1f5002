using Eventing.Amqp.Tests.Infrastructure;
using Eventing.Conformance;

namespace Eventing.Amqp.Tests.Conformance;

/// <summary>Broker restarts over AMQP 1.0: nothing confirmed is lost, sends wait up to the timeout, recovery is automatic.</summary>
[Collection(BrokerRestarts.Name)]
public sealed class AmqpBrokerRestartConformance(AmqpTarget target) : BrokerRestartConformance<AmqpTarget>(target), IClassFixture<AmqpTarget>;
