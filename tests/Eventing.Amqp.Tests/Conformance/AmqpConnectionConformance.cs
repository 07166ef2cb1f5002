using Eventing.Conformance;

namespace Eventing.Amqp.Tests.Conformance;

/// <summary>Refused credentials and an unreachable broker over AMQP 1.0.</summary>
public sealed class AmqpConnectionConformance(AmqpTarget target) : ConnectionConformance<AmqpTarget>(target), IClassFixture<AmqpTarget>;
