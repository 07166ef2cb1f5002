using Eventing.Amqp.Tests.Infrastructure;
using Eventing.Conformance;

namespace Eventing.Amqp.Tests.Conformance;

/// <summary>The fault suite over AMQP 1.0; "BrokerRestart" in the name makes CI run it alone.</summary>
[Collection(BrokerRestarts.Name)]
public sealed class AmqpFaultBrokerRestartConformance(AmqpTarget target) : FaultConformance<AmqpTarget>(target), IClassFixture<AmqpTarget>;

public sealed class AmqpPoisonConformance(AmqpTarget target) : PoisonConformance<AmqpTarget>(target), IClassFixture<AmqpTarget>;
