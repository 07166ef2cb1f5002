using StackExchange.Redis;

namespace Eventing.Persistence.Redis;

/// <summary>One multiplexer for a store and its lock, connected on first use so an app starts while Redis is still coming up.</summary>
internal sealed class RedisConnection : IAsyncDisposable
{
    private readonly Func<Task<IConnectionMultiplexer>> _connect;
    private readonly bool _owned;
    private readonly Lock _gate = new();
    private Task<IConnectionMultiplexer>? _connection;

    public RedisConnection(string configuration)
    {
        _connect = async () => await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
        _owned = true;
    }

    public RedisConnection(IConnectionMultiplexer connection)
    {
        _connect = () => Task.FromResult(connection);
        _owned = false;
    }

    public Task<IConnectionMultiplexer> GetAsync()
    {
        var connection = _connection;
        if (connection is { IsCompletedSuccessfully: true })
        {
            return connection;
        }

        lock (_gate)
        {
            if (_connection is null || _connection.IsFaulted || _connection.IsCanceled)
            {
                _connection = _connect();
            }

            return _connection;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_owned && _connection is { IsCompletedSuccessfully: true } connection)
        {
            await connection.Result.DisposeAsync().ConfigureAwait(false);
        }
    }
}
