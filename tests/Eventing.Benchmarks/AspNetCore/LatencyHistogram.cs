using System.Diagnostics;

namespace Eventing.Benchmarks.AspNetCore;

/// <summary>
/// Lock-free latency histogram in 0.1 ms buckets up to 10 s: a thousand receive loops record into it at once, and a
/// sorted list of a million samples would cost the benchmarked machine more than the code under test.
/// </summary>
internal sealed class LatencyHistogram
{
    private const double BucketMs = 0.1;
    private readonly long[] _buckets = new long[100_000];
    private long _count;

    public long Count => Volatile.Read(ref _count);

    public void Record(long startTimestamp)
    {
        var ms = Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds;
        var bucket = Math.Clamp((int)(ms / BucketMs), 0, _buckets.Length - 1);
        Interlocked.Increment(ref _buckets[bucket]);
        Interlocked.Increment(ref _count);
    }

    /// <summary>The latency in ms below which a fraction <paramref name="p"/> of the samples fall (bucket upper bound).</summary>
    public double Percentile(double p)
    {
        var target = (long)Math.Ceiling(p * Count);
        long seen = 0;
        for (var i = 0; i < _buckets.Length; i++)
        {
            seen += Volatile.Read(ref _buckets[i]);
            if (seen >= target && seen > 0)
            {
                return (i + 1) * BucketMs;
            }
        }

        return double.NaN;
    }
}
