using Eventing.Outbox.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Eventing.Outbox.Tests;

/// <summary>The outbox's part of the eventing health check: stuck rows make it unhealthy, sent rows healthy again.</summary>
public sealed class OutboxHealthTests
{
    private static readonly TimeSpan MaxPendingAge = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Rows_a_relay_cannot_get_out_of_sqlite_make_the_check_unhealthy_until_they_are_sent()
    {
        await using var database = new SqliteTestDatabase();
        await AssertStuckThenHealthyAsync(database);
    }

    [Fact]
    public async Task Rows_a_relay_cannot_get_out_of_postgresql_make_the_check_unhealthy_until_they_are_sent()
    {
        await using var database = await PostgresTestDatabase.StartAsync();
        await AssertStuckThenHealthyAsync(database);
    }

    [Fact]
    public async Task An_outbox_whose_rows_are_sent_is_healthy_and_reports_its_backlog()
    {
        await using var database = new SqliteTestDatabase();
        await using var host = await StartAsync(database);
        await using (var connection = await database.OpenAsync())
        {
            await using var transaction = await connection.BeginTransactionAsync();
            await host.Outbox.AddAsync(new OrderPlaced(1, 1, "sent at once"), transaction);
            await host.Outbox.CommitAsync(transaction);
        }

        var entry = await CheckAsync(host);
        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Equal(host.Services.GetRequiredService<IOutboxStore>().Name, entry.Data["outbox.store"]);
        Assert.Equal(0L, entry.Data["outbox.pending"]);
    }

    [Fact]
    public async Task An_outbox_whose_table_cannot_be_read_makes_the_check_unhealthy_with_the_error()
    {
        await using var database = new SqliteTestDatabase();
        await using var host = await StartAsync(database, o => o.RunRelay = false);
        await database.ExecuteAsync($"DROP TABLE {database.Table}");

        var entry = await CheckAsync(host);
        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.NotNull(entry.Exception);
        Assert.Contains(host.Services.GetRequiredService<IOutboxStore>().Name, entry.Description, StringComparison.Ordinal);
    }

    private static async Task AssertStuckThenHealthyAsync(TestDatabase database)
    {
        // The relay's send hangs like a broker that never confirms: the row stays leased, and pending.
        var recording = new RecordingProvider.Holder { HoldSends = true };
        await using var host = await StartAsync(database, o => o.GracePeriod = TimeSpan.Zero, events => recording.Wrap(events));
        await using (var connection = await database.OpenAsync())
        {
            await using var transaction = await connection.BeginTransactionAsync();
            await host.Outbox.AddAsync(new OrderPlaced(1, 1, "stuck"), transaction);

            // Committed outside the outbox: only the relay sends it.
            await transaction.CommitAsync();
        }

        var provider = await recording.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await provider.SendStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var store = host.Services.GetRequiredService<IOutboxStore>().Name;

        var stuck = await PollAsync(host, HealthStatus.Unhealthy);
        Assert.Contains(store, stuck.Description, StringComparison.Ordinal);
        Assert.Equal(store, stuck.Data["outbox.store"]);
        Assert.True((long)stuck.Data["outbox.pending"] >= 1, $"pending {stuck.Data["outbox.pending"]}");
        Assert.True((double)stuck.Data["outbox.oldest_age.seconds"] >= MaxPendingAge.TotalSeconds);

        provider.ReleaseSends();
        var healthy = await PollAsync(host, HealthStatus.Healthy);
        Assert.Equal(0L, healthy.Data["outbox.pending"]);
        Assert.Equal(0, await database.CountPendingAsync());
    }

    private static Task<OutboxTestHost> StartAsync(TestDatabase database, Action<OutboxOptions>? options = null, Action<EventingBuilder>? provider = null) =>
        OutboxTestHost.StartAsync(
            database.UseStore,
            options,
            provider,
            services: services => services.AddHealthChecks().AddEventing(health => health.OutboxMaxPendingAge = MaxPendingAge));

    private static async Task<HealthReportEntry> CheckAsync(OutboxTestHost host)
    {
        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        return report.Entries["eventing"];
    }

    /// <summary>Checks every 100 ms until the check reports <paramref name="status"/>, for at most 15 s.</summary>
    private static async Task<HealthReportEntry> PollAsync(OutboxTestHost host, HealthStatus status)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        while (true)
        {
            var entry = await CheckAsync(host);
            if (entry.Status == status)
            {
                return entry;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the check stayed {entry.Status} ({entry.Description}) instead of becoming {status}");
            await poll.WaitForNextTickAsync();
        }
    }
}
