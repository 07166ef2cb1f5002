using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Eventing.Health;

/// <summary>Collects the findings of one check: the worst status wins, every problem is described, data is merged.</summary>
internal sealed class HealthReportBuilder
{
    private readonly List<string> _problems = [];
    private HealthStatus _status = HealthStatus.Healthy;
    private Exception? _exception;

    public Dictionary<string, object> Data { get; } = [];

    public void Add(HealthStatus status, string problem)
    {
        _problems.Add(problem);
        if (status < _status)
        {
            _status = status;
        }
    }

    public void Add(HealthCheckResult part)
    {
        foreach (var (key, value) in part.Data)
        {
            Data[key] = value;
        }

        if (part.Status != HealthStatus.Healthy)
        {
            Add(part.Status, part.Description ?? part.Status.ToString());
            _exception ??= part.Exception;
        }
    }

    public HealthCheckResult Build() =>
        new(_status, _problems.Count == 0 ? "Eventing is connected and every listener is consuming." : string.Join(" ", _problems), _exception, Data);
}
