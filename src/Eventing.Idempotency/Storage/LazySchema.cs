namespace Eventing.Idempotency.Storage;

/// <summary>
/// Runs a store's schema step on first use and remembers success, so an app starts while its database is still
/// coming up, and a failed attempt is tried again by the next request.
/// </summary>
internal sealed class LazySchema(Func<CancellationToken, Task> migrate)
{
    private readonly Lock _gate = new();
    private Task? _schema;

    public Task EnsureAsync(CancellationToken cancellationToken)
    {
        var schema = _schema;
        if (schema is { IsCompletedSuccessfully: true })
        {
            return schema;
        }

        lock (_gate)
        {
            if (_schema is null || _schema.IsFaulted || _schema.IsCanceled)
            {
                _schema = migrate(cancellationToken);
            }

            return _schema;
        }
    }
}
