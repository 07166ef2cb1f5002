using System.Data.Common;
using Eventing.Persistence.Redis;
using StackExchange.Redis;

namespace Eventing.Idempotency.Redis;

/// <summary>
/// Processed-message records as Redis keys: <c>SET key claim NX GET PX lease</c> claims a message, <c>SET key done PX
/// window</c> records it, and Redis expiry keeps the keyspace bounded. The record is written after the handler, not
/// in a transaction with it: a crash between the two runs the handler again once the claim expires.
/// </summary>
internal sealed class RedisProcessedMessageStore(RedisConnection connection, RedisIdempotencyOptions options) : IProcessedMessageStore
{
    private static readonly RedisValue Done = "done";

    // Deletes the claim only if it is still ours: after a lease expiry another consumer may hold the key.
    private const string ReleaseScript = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0";

    private readonly string _prefix = options.KeyPrefix + "inbox:";

    public async ValueTask<IProcessedMessageClaim?> TryClaimAsync(string queue, string messageId, TimeSpan window, CancellationToken cancellationToken)
    {
        var database = (await connection.GetAsync().ConfigureAwait(false)).GetDatabase();
        RedisKey key = string.Concat(_prefix, queue, ":", messageId);
        RedisValue token = Guid.NewGuid().ToString("N");
        var previous = await database.StringSetAndGetAsync(key, token, options.ClaimLease, keepTtl: false, When.NotExists).ConfigureAwait(false);
        if (previous.IsNull)
        {
            return new Claim(database, key, token, window);
        }

        if (previous == Done)
        {
            return null;
        }

        throw new MessageInProgressException(queue, messageId, options.ClaimLease);
    }

    // Every record carries a TTL, so Redis removes expired ones itself.
    public ValueTask<long> PurgeExpiredAsync(CancellationToken cancellationToken) => ValueTask.FromResult(0L);

    private sealed class Claim(IDatabase database, RedisKey key, RedisValue token, TimeSpan window) : IProcessedMessageClaim
    {
        private bool _completed;

        public DbTransaction? Transaction => null;

        public async ValueTask CompleteAsync(CancellationToken cancellationToken)
        {
            await database.StringSetAsync(key, Done, window, When.Always).ConfigureAwait(false);
            _completed = true;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_completed)
            {
                // The handler threw: give the claim up so the retry runs it again instead of waiting for the lease.
                await database.ScriptEvaluateAsync(ReleaseScript, [key], [token]).ConfigureAwait(false);
            }
        }
    }
}
