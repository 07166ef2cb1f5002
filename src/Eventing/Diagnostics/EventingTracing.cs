using System.Diagnostics;

namespace Eventing.Diagnostics;

/// <summary>
/// The <c>Eventing</c> activity source of one bus. A span is only created while a listener (the OpenTelemetry SDK)
/// samples the source; until then every start returns null at the cost of one field read.
/// </summary>
internal sealed class EventingTracing : IDisposable
{
    public EventingTracing() =>
        Source = new ActivitySource(EventingDiagnostics.ActivitySourceName, typeof(EventingTracing).Assembly.GetName().Version?.ToString(3));

    public ActivitySource Source { get; }

    public void Dispose() => Source.Dispose();
}
