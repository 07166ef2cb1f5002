using System.Text;
using Eventing.AspNetCore.Idempotency.Storage;
using Eventing.Persistence.Redis;
using StackExchange.Redis;

namespace Eventing.AspNetCore.Idempotency.Redis;

/// <summary>
/// Idempotency keys as Redis strings: <c>SET key running NX PX lease GET</c> claims a key and returns who held it in
/// one round trip; scripts complete, release and invalidate only what the caller may touch. A value is
/// <c>state (r|d|x) + token (32) + fingerprint (64) + response</c>; a resource is a set of the keys that changed it.
/// Redis expiry bounds both. The invalidation script reaches keys it is not given, so use a single Redis node (or
/// one hash slot), not a cluster.
/// </summary>
internal sealed class RedisHttpResponseStore(RedisConnection connection, string keyPrefix) : IHttpResponseStore
{
    private const int TokenLength = 32;
    private const int FingerprintLength = 64;
    private const int HeaderLength = 1 + TokenLength + FingerprintLength;

    private const string CompleteScript = """
        local v = redis.call('get', KEYS[1])
        if not v or string.sub(v, 1, 1) ~= 'r' or string.sub(v, 2, 33) ~= ARGV[1] then return 0 end
        redis.call('set', KEYS[1], 'd' .. string.sub(v, 2, 97) .. ARGV[2], 'PX', ARGV[3])
        for i = 2, #KEYS do
          redis.call('sadd', KEYS[i], KEYS[1])
          if redis.call('pttl', KEYS[i]) < tonumber(ARGV[3]) then redis.call('pexpire', KEYS[i], ARGV[3]) end
        end
        return 1
        """;

    private const string ReleaseScript = """
        local v = redis.call('get', KEYS[1])
        if v and string.sub(v, 1, 1) == 'r' and string.sub(v, 2, 33) == ARGV[1] then return redis.call('del', KEYS[1]) end
        return 0
        """;

    // An invalidated key keeps its TTL and fingerprint (for 422) but drops the response; links to expired keys go.
    private const string InvalidateScript = """
        local n = 0
        for i = 1, #KEYS do
          for _, member in ipairs(redis.call('smembers', KEYS[i])) do
            if member ~= ARGV[1] then
              local v = redis.call('get', member)
              if not v then
                redis.call('srem', KEYS[i], member)
              elseif string.sub(v, 1, 1) == 'd' then
                redis.call('set', member, 'x' .. string.sub(v, 2, 97), 'KEEPTTL')
                n = n + 1
              end
            end
          end
        end
        return n
        """;

    private readonly string _keys = keyPrefix + "http:";
    private readonly string _resources = keyPrefix + "http-resource:";

    public async ValueTask<ClaimOutcome> TryClaimAsync(string key, string fingerprint, string token, TimeSpan lease, CancellationToken cancellationToken)
    {
        var database = await DatabaseAsync().ConfigureAwait(false);
        RedisValue running = string.Concat("r", token, fingerprint);
        var previous = await database.StringSetAndGetAsync(_keys + key, running, lease, keepTtl: false, When.NotExists).ConfigureAwait(false);
        if (previous.IsNull)
        {
            return ClaimOutcome.Claimed;
        }

        var bytes = (byte[])previous!;
        var held = Encoding.ASCII.GetString(bytes, 1 + TokenLength, FingerprintLength);
        return bytes[0] switch
        {
            (byte)'d' => new ClaimOutcome(ClaimState.Completed, held, bytes[HeaderLength..]),
            (byte)'x' => new ClaimOutcome(ClaimState.Invalidated, held, null),
            _ => new ClaimOutcome(ClaimState.Running, held, null),
        };
    }

    public async ValueTask<bool> CompleteAsync(string key, string token, byte[] response, IReadOnlyCollection<string> resources, TimeSpan window, CancellationToken cancellationToken)
    {
        var database = await DatabaseAsync().ConfigureAwait(false);
        var keys = new RedisKey[1 + resources.Count];
        keys[0] = _keys + key;
        var i = 1;
        foreach (var resource in resources)
        {
            keys[i++] = _resources + resource;
        }

        var result = await database.ScriptEvaluateAsync(CompleteScript, keys, [token, response, (long)window.TotalMilliseconds]).ConfigureAwait(false);
        return (long)result == 1;
    }

    public async ValueTask ReleaseAsync(string key, string token, CancellationToken cancellationToken)
    {
        var database = await DatabaseAsync().ConfigureAwait(false);
        await database.ScriptEvaluateAsync(ReleaseScript, [_keys + key], [token]).ConfigureAwait(false);
    }

    public async ValueTask<long> InvalidateAsync(IReadOnlyCollection<string> resources, string exceptKey, CancellationToken cancellationToken)
    {
        var database = await DatabaseAsync().ConfigureAwait(false);
        var keys = new RedisKey[resources.Count];
        var i = 0;
        foreach (var resource in resources)
        {
            keys[i++] = _resources + resource;
        }

        return (long)await database.ScriptEvaluateAsync(InvalidateScript, keys, [(RedisValue)(_keys + exceptKey)]).ConfigureAwait(false);
    }

    // Every key and set carries a TTL, so Redis removes expired ones itself.
    public ValueTask<long> PurgeExpiredAsync(CancellationToken cancellationToken) => ValueTask.FromResult(0L);

    private async ValueTask<IDatabase> DatabaseAsync() => (await connection.GetAsync().ConfigureAwait(false)).GetDatabase();
}
