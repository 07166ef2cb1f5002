namespace Eventing.Benchmarks.AspNetCore;

/// <summary>The fan-out benchmark's event: <see cref="SentAt"/> is the <c>Stopwatch</c> timestamp just before SendAsync.</summary>
[Event("bench.streams.tick")]
public sealed record StreamTick(int Seq, long SentAt);
