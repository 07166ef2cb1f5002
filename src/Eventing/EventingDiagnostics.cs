namespace Eventing;

/// <summary>
/// The names to give the OpenTelemetry SDK: <c>tracing.AddSource(EventingDiagnostics.ActivitySourceName)</c> and
/// <c>metrics.AddMeter(EventingDiagnostics.MeterName)</c>.
/// </summary>
public static class EventingDiagnostics
{
    /// <summary>The <see cref="System.Diagnostics.ActivitySource"/> of the send, create and process spans.</summary>
    public const string ActivitySourceName = "Eventing";

    /// <summary>The <see cref="System.Diagnostics.Metrics.Meter"/> of every Eventing instrument.</summary>
    public const string MeterName = "Eventing";
}
