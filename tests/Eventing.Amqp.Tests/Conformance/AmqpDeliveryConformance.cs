using Eventing.Conformance;

namespace Eventing.Amqp.Tests.Conformance;

/// <summary>The delivery cases of the conformance suite over AMQP 1.0 on RabbitMQ.</summary>
public sealed class AmqpDeliveryConformance(AmqpTarget target) : DeliveryConformance<AmqpTarget>(target), IClassFixture<AmqpTarget>;

public sealed class AmqpStopConformance(AmqpTarget target) : StopConformance<AmqpTarget>(target), IClassFixture<AmqpTarget>;

public sealed class AmqpTelemetryConformance(AmqpTarget target) : TelemetryConformance<AmqpTarget>(target), IClassFixture<AmqpTarget>;
