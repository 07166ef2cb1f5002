using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace Eventing.Outbox.Tests;

/// <summary>The outbox's instruments on the Eventing meter, observed for one host only.</summary>
public sealed class OutboxMetricsTests
{
    [Fact]
    public async Task The_backlog_gauges_report_what_the_relay_last_read_and_sent_events_are_counted()
    {
        await using var database = new SqliteTestDatabase();

        // A grace period the test never reaches: the relay reads the backlog but never sends the row.
        await using var host = await OutboxTestHost.StartAsync(database.UseStore, o => o.GracePeriod = TimeSpan.FromHours(1));
        using var metrics = new OutboxInstruments(host.Services.GetRequiredService<IMeterFactory>());

        await using (var connection = await database.OpenAsync())
        {
            await using var transaction = await connection.BeginTransactionAsync();
            await host.Outbox.AddAsync(new OrderPlaced(1, 1, "left pending"), transaction);
            await transaction.CommitAsync();
        }

        // The relay refreshes every few seconds: poll every 100 ms, for at most 15 s.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        while (metrics.Observe() is not (1, > 0))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the gauges reported {metrics.Observe()} instead of 1 row pending");
            await poll.WaitForNextTickAsync();
        }

        Assert.Equal(0, metrics.Sent);
        await using (var connection = await database.OpenAsync())
        {
            await using var transaction = await connection.BeginTransactionAsync();
            await host.Outbox.AddAsync(new OrderPlaced(1, 2, "sent after commit"), transaction);
            await host.Outbox.CommitAsync(transaction);
        }

        Assert.Equal(1, metrics.Sent);
    }

    /// <summary>Listens to the eventing.outbox.* instruments of one host's meter factory.</summary>
    private sealed class OutboxInstruments : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _sent;
        private long? _pending;
        private double? _oldestAge;

        public OutboxInstruments(IMeterFactory factory)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                // Other tests' hosts publish the same instruments on their own factories.
                if (ReferenceEquals(instrument.Meter.Scope, factory) && instrument.Name.StartsWith("eventing.outbox.", StringComparison.Ordinal))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
            {
                if (instrument.Name == "eventing.outbox.sent")
                {
                    Interlocked.Add(ref _sent, value);
                }
                else if (instrument.Name == "eventing.outbox.pending")
                {
                    _pending = value;
                }
            });
            _listener.SetMeasurementEventCallback<double>((instrument, value, _, _) =>
            {
                if (instrument.Name == "eventing.outbox.oldest_age")
                {
                    _oldestAge = value;
                }
            });
            _listener.Start();
        }

        public long Sent => Interlocked.Read(ref _sent);

        /// <summary>Collects the gauges now: the pending rows and the oldest one's age in seconds, if reported.</summary>
        public (long? Pending, double? OldestAge) Observe()
        {
            _pending = null;
            _oldestAge = null;
            _listener.RecordObservableInstruments();
            return (_pending, _oldestAge);
        }

        public void Dispose() => _listener.Dispose();
    }
}
