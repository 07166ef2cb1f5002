namespace Eventing.AspNetCore.Idempotency.Execution;

/// <summary>
/// The resources one request changed (a request feature). The EF Core interceptor adds the entities SaveChanges
/// wrote; the idempotency filter links them to the request's key and invalidates older keys that touched them.
/// </summary>
internal sealed class AffectedResources
{
    private readonly HashSet<string> _resources = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public IReadOnlyCollection<string> Snapshot()
    {
        lock (_gate)
        {
            return [.. _resources];
        }
    }

    public void Add(string resource)
    {
        lock (_gate)
        {
            _resources.Add(resource);
        }
    }
}
