using Eventing.Providers;
using Microsoft.Extensions.DependencyInjection;

namespace Eventing.Outbox.Tests;

/// <summary>What a send from the outbox must mean before a row is deleted, and how the relay stops.</summary>
public sealed class OutboxSendTests
{
    [Fact]
    public async Task A_non_durable_event_is_sent_from_the_outbox_as_a_confirmed_durable_send()
    {
        await using var database = new SqliteTestDatabase();
        var recording = new RecordingProvider.Holder();
        await using var host = await OutboxTestHost.StartAsync(database.UseStore, provider: events => recording.Wrap(events));

        await using (var connection = await database.OpenAsync())
        {
            await using var transaction = await connection.BeginTransactionAsync();
            await host.Outbox.AddAsync(new OrderPlaced(1, 1, "fire-and-forget event"), transaction);
            await host.Outbox.CommitAsync(transaction);
        }

        var sent = Assert.Single(recording.Provider!.Sends);
        Assert.Equal("outbox-tests.order-placed", sent.Name);
        Assert.True(sent.Durable, "an outbox row may only be deleted after a send the broker confirmed");
        Assert.Equal(0, await database.CountPendingAsync());

        // The event keeps its own durability when sent directly.
        await host.Events.SendAsync(new OrderPlaced(1, 2, "direct"));
        Assert.False(recording.Provider.Sends[^1].Durable);
    }

    [Fact]
    public async Task Stopping_the_relay_waits_for_its_send_in_flight_and_deletes_the_confirmed_row()
    {
        await using var database = new SqliteTestDatabase();
        var recording = new RecordingProvider.Holder { HoldSends = true };
        await using var host = await OutboxTestHost.StartAsync(database.UseStore, o => o.GracePeriod = TimeSpan.Zero, provider: events => recording.Wrap(events));

        // Committed outside the outbox: only the relay sends it.
        await using (var connection = await database.OpenAsync())
        {
            await using var transaction = await connection.BeginTransactionAsync();
            await host.Outbox.AddAsync(new OrderPlaced(1, 1, "relayed while stopping"), transaction);
            await transaction.CommitAsync();
        }

        var provider = await recording.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await provider.SendStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var stopping = host.StopAsync();
        Assert.False(stopping.IsCompleted, "stop must wait for the relay's send in flight");
        provider.ReleaseSends();
        await stopping.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Single(provider.Sends);
        Assert.Equal(0, await database.CountPendingAsync());
    }
}
