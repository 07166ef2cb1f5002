using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace Eventing.Idempotency.Tests;

/// <summary>
/// What one host logged and counted: log lines of the idempotency categories, and the idempotency counters of this
/// host's meter only (the meter factory is per service provider, so parallel tests do not mix).
/// </summary>
public sealed class Observations : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly ConcurrentDictionary<string, long> _counters = new();
    private readonly Lock _gate = new();
    private readonly List<(string Name, long Value, TaskCompletionSource Signal)> _waiters = [];
    private MeterListener? _listener;

    public IReadOnlyCollection<string> Lines => _lines;

    public long Counter(string name) => _counters.GetValueOrDefault(name);

    public List<KeyValuePair<string, object?>> LastSkipTags { get; } = [];

    public void Listen(IMeterFactory factory)
    {
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Scope == factory && instrument.Name.StartsWith("eventing.idempotency.", StringComparison.Ordinal))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (instrument.Name == "eventing.idempotency.skipped")
            {
                lock (LastSkipTags)
                {
                    LastSkipTags.Clear();
                    LastSkipTags.AddRange(tags.ToArray());
                }
            }

            var total = _counters.AddOrUpdate(instrument.Name, value, (_, old) => old + value);
            lock (_gate)
            {
                foreach (var waiter in _waiters)
                {
                    if (waiter.Name == instrument.Name && total >= waiter.Value)
                    {
                        waiter.Signal.TrySetResult();
                    }
                }
            }
        });
        _listener.Start();
    }

    public Task WaitForCounterAsync(string name, long atLeast)
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _waiters.Add((name, atLeast, signal));
            if (Counter(name) >= atLeast)
            {
                signal.TrySetResult();
            }
        }

        return signal.Task.WaitAsync(TimeSpan.FromSeconds(20));
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose() => _listener?.Dispose();

    private sealed class Logger(Observations owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => category.StartsWith("Eventing.Idempotency", StringComparison.Ordinal);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                owner._lines.Enqueue($"{logLevel}: {formatter(state, exception)}");
            }
        }
    }
}
