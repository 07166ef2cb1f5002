using Eventing.Conformance;

namespace Eventing.Local.Tests;

/// <summary>The delivery cases of the conformance suite on the in-process provider.</summary>
public sealed class LocalDeliveryConformance(LocalTarget target) : DeliveryConformance<LocalTarget>(target), IClassFixture<LocalTarget>;

public sealed class LocalStopConformance(LocalTarget target) : StopConformance<LocalTarget>(target), IClassFixture<LocalTarget>;

public sealed class LocalPoisonConformance(LocalTarget target) : PoisonConformance<LocalTarget>(target), IClassFixture<LocalTarget>;

public sealed class LocalTelemetryConformance(LocalTarget target) : TelemetryConformance<LocalTarget>(target), IClassFixture<LocalTarget>;

public sealed class LocalDelayedRetryConformance(LocalTarget target) : DelayedRetryConformance<LocalTarget>(target), IClassFixture<LocalTarget>;

public sealed class LocalScheduledSendConformance(LocalTarget target) : ScheduledSendConformance<LocalTarget>(target), IClassFixture<LocalTarget>;
