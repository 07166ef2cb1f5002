using BenchmarkDotNet.Attributes;

namespace Eventing.Benchmarks.Local;

/// <summary>One header interceptor on the send side: the cost a pipeline adds to every event.</summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class HeaderInterceptorBenchmarks
{
    private readonly Envelope _envelope = new("bench.order-placed", "{\"number\":42}"u8.ToArray());
    private readonly EventDescriptor _descriptor = new("bench.order-placed");
    private readonly SessionHeader _pipeline = new();

    [GlobalSetup]
    public void Setup()
    {
        _pipeline.Session.Value = "session-42";

        // Grow the header storage once, as the first header of a real envelope would.
        _envelope.Headers["session"] = "warm";
    }

    [Benchmark(Description = "header interceptor: SendAsync sets one header")]
    public ValueTask SetHeader()
    {
        _envelope.Headers.Clear();
        return _pipeline.SendAsync(_envelope, _descriptor, CancellationToken.None);
    }

    private sealed class SessionHeader : EnvelopePipeline
    {
        public AsyncLocal<string?> Session { get; } = new();

        public override ValueTask SendAsync(Envelope envelope, EventDescriptor @event, CancellationToken cancellationToken)
        {
            if (Session.Value is { } session)
            {
                envelope.Headers["session"] = session;
            }

            return ValueTask.CompletedTask;
        }
    }
}
