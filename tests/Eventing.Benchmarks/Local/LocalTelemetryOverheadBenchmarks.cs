using System.Diagnostics;
using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;

namespace Eventing.Benchmarks.Local;

/// <summary>
/// What observability costs on the local provider's send → listener loop (<see cref="LocalThroughputBenchmarks"/>):
/// nothing listening on the <c>Eventing</c> source and meter (the baseline, one <c>HasListeners</c> check and an
/// <c>Activity.Current</c> read per send and per delivery); an <see cref="ActivityListener"/> sampling every span with
/// all data (a send and a process span per event); the same listener asking for propagation data only (spans
/// without tags: what the spans themselves cost, apart from their attributes); a <see cref="MeterListener"/> taking every measurement of every
/// <c>Eventing</c> instrument. Each case checks that its listener saw every event, so it measures what it says.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class LocalTelemetryOverheadBenchmarks
{
    private const int Events = LocalThroughputBenchmarks.Events;

    private ServiceProvider? _services;
    private IEventManager? _events;
    private LocalThroughputBenchmarks.Counter? _counter;
    private SpanCounter? _spans;
    private MeasurementCounter? _measurements;

    [GlobalSetup(Target = nameof(NothingListening))]
    public Task SetupNothingAsync() => StartAsync();

    // The listeners exist before the bus starts, as the OpenTelemetry SDK does in an app.
    [GlobalSetup(Target = nameof(Tracing))]
    public Task SetupTracingAsync()
    {
        _spans = new SpanCounter(ActivitySamplingResult.AllDataAndRecorded);
        return StartAsync();
    }

    [GlobalSetup(Target = nameof(TracingContextOnly))]
    public Task SetupTracingContextOnlyAsync()
    {
        _spans = new SpanCounter(ActivitySamplingResult.PropagationData);
        return StartAsync();
    }

    [GlobalSetup(Target = nameof(Metrics))]
    public Task SetupMetricsAsync()
    {
        _measurements = new MeasurementCounter();
        return StartAsync();
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await LocalThroughputBenchmarks.StopBusAsync(_services!);
        _spans?.Dispose();
        _measurements?.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Events, Description = "nothing listening")]
    public Task NothingListening() => LocalThroughputBenchmarks.SendAllAsync(_events!, _counter!);

    [Benchmark(OperationsPerInvoke = Events, Description = "ActivityListener, every span sampled (AllData)")]
    public async Task Tracing()
    {
        var before = _spans!.Sends;
        await LocalThroughputBenchmarks.SendAllAsync(_events!, _counter!);

        // A send span ends before its send returns; the process spans may still be ending, so only sends are exact.
        if (_spans.Sends - before != Events)
        {
            throw new InvalidOperationException($"The ActivityListener saw {_spans.Sends - before} send spans for {Events} events: the case did not trace what it measures.");
        }
    }

    [Benchmark(OperationsPerInvoke = Events, Description = "ActivityListener, every span, PropagationData")]
    public Task TracingContextOnly() => Tracing();

    [Benchmark(OperationsPerInvoke = Events, Description = "MeterListener, every instrument")]
    public async Task Metrics()
    {
        var before = _measurements!.Sent;
        await LocalThroughputBenchmarks.SendAllAsync(_events!, _counter!);
        if (_measurements.Sent - before != Events)
        {
            throw new InvalidOperationException($"The MeterListener counted {_measurements.Sent - before} sent messages for {Events} events: the case did not measure what it says.");
        }
    }

    private async Task StartAsync() => (_services, _events, _counter) = await LocalThroughputBenchmarks.StartBusAsync();

    /// <summary>Samples every <c>Eventing</c> span (with all data, as a tracer that exports everything does); counts the send spans.</summary>
    private sealed class SpanCounter : IDisposable
    {
        private readonly ActivityListener _listener;
        private long _sends;

        public SpanCounter(ActivitySamplingResult sampling)
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name == EventingDiagnostics.ActivitySourceName,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => sampling,
                ActivityStopped = activity =>
                {
                    if (activity.Kind == ActivityKind.Producer)
                    {
                        Interlocked.Increment(ref _sends);
                    }
                },
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public long Sends => Volatile.Read(ref _sends);

        public void Dispose() => _listener.Dispose();
    }

    /// <summary>Takes every measurement of every <c>Eventing</c> instrument; sums messaging.client.sent.messages, counts the rest.</summary>
    private sealed class MeasurementCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _sent;
        private long _other;
        private long _durations;

        public MeasurementCounter()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == EventingDiagnostics.MeterName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
            {
                if (instrument.Name == "messaging.client.sent.messages")
                {
                    Interlocked.Add(ref _sent, value);
                }
                else
                {
                    Interlocked.Add(ref _other, value);
                }
            });
            _listener.SetMeasurementEventCallback<int>((_, value, _, _) => Interlocked.Add(ref _other, value));
            _listener.SetMeasurementEventCallback<double>((_, _, _, _) => Interlocked.Increment(ref _durations));
            _listener.Start();
        }

        public long Sent => Volatile.Read(ref _sent);

        public void Dispose() => _listener.Dispose();
    }
}
