using System.Data.Common;
using Microsoft.Extensions.DependencyInjection;

namespace Eventing.Idempotency.Tests;

public sealed class DuplicateTests
{
    private static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..24];

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task Same_message_delivered_twice_runs_the_handler_once_and_the_skip_is_logged_and_counted(string kind)
    {
        await using var store = await TestStore.CreateAsync(kind);
        var recorder = new Recorder();
        var name = UniqueName("dup");
        await using var host = await TestHost.StartAsync(store, recorder, events => events
            .AddListener<RecordingListener>(listener => listener.Name(name).Idempotent(TimeSpan.FromHours(1))));

        var sent = await host.SendAsync(new OrderPlaced("o-1", 10));
        await recorder.WaitForCallsAsync(1);
        await host.SendAgainAsync(sent);
        await host.Observations.WaitForCounterAsync("eventing.idempotency.skipped", 1);

        // A later, different message is handled: the listener is alive, only the duplicate was skipped.
        var second = await host.SendAsync(new OrderPlaced("o-2", 20));
        await recorder.WaitForCallsAsync(2);

        // Its duplicate too, so both records are committed before they are counted.
        await host.SendAgainAsync(second);
        await host.Observations.WaitForCounterAsync("eventing.idempotency.skipped", 2);

        Assert.Equal(1, recorder.CountFor(sent.Envelope.Id));
        Assert.Equal(2, recorder.Calls.Count);
        Assert.Equal(2, host.Observations.Counter("eventing.idempotency.skipped"));
        lock (host.Observations.LastSkipTags)
        {
            Assert.Contains(host.Observations.LastSkipTags, tag => tag.Key == "eventing.queue" && (string?)tag.Value == $"idempotency-tests.order-placed::{name}");
        }

        Assert.Contains(host.Observations.Lines, line => line.Contains(sent.Envelope.Id, StringComparison.Ordinal) && line.Contains("already processed", StringComparison.Ordinal));
        Assert.Equal(2, await store.RecordCountAsync());
    }

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task Listener_marked_with_the_attribute_is_idempotent(string kind)
    {
        await using var store = await TestStore.CreateAsync(kind);
        var recorder = new Recorder();
        await using var host = await TestHost.StartAsync(store, recorder, events => events
            .AddListener<AttributedListener>(listener => listener.Name(UniqueName("attr"))));

        var sent = await host.SendAsync(new OrderPlaced("o-1", 10));
        await recorder.WaitForCallsAsync(1);
        await host.SendAgainAsync(sent);
        await host.Observations.WaitForCounterAsync("eventing.idempotency.skipped", 1);

        Assert.Equal(1, recorder.CountFor(sent.Envelope.Id));
    }

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task Listener_not_marked_idempotent_runs_every_delivery(string kind)
    {
        await using var store = await TestStore.CreateAsync(kind);
        var recorder = new Recorder();
        await using var host = await TestHost.StartAsync(store, recorder, events => events
            .AddListener<RecordingListener>(listener => listener.Name(UniqueName("plain"))));

        var sent = await host.SendAsync(new OrderPlaced("o-1", 10));
        await recorder.WaitForCallsAsync(1);
        await host.SendAgainAsync(sent);
        await recorder.WaitForCallsAsync(2);

        Assert.Equal(2, recorder.CountFor(sent.Envelope.Id));
        Assert.Equal(0, await store.RecordCountAsync());
    }

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task Throwing_handler_does_not_mark_the_message_processed_so_the_retry_runs_it_again(string kind)
    {
        await using var store = await TestStore.CreateAsync(kind);
        var recorder = new Recorder
        {
            Behavior = (_, context, _) => context.DeliveryAttempt == 1 ? throw new InvalidOperationException("first attempt fails") : default,
        };
        await using var host = await TestHost.StartAsync(store, recorder, events => events
            .AddListener<RecordingListener>(listener => listener.Name(UniqueName("retry")).Idempotent()));

        var sent = await host.SendAsync(new OrderPlaced("o-1", 10));
        await recorder.WaitForCallsAsync(2);

        // Recorded only after the successful attempt: a later duplicate is skipped.
        await host.SendAgainAsync(sent);
        await host.Observations.WaitForCounterAsync("eventing.idempotency.skipped", 1);

        Assert.Equal([false, true], recorder.Calls.Select(call => call.Succeeded));
        Assert.Equal(2, recorder.CountFor(sent.Envelope.Id));
    }

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task Crash_after_the_handler_before_the_ack_redelivers_and_the_redelivery_is_skipped(string kind)
    {
        await using var store = await TestStore.CreateAsync(kind);
        var recorder = new Recorder();
        await using var host = await TestHost.StartAsync(store, recorder, events => events
            .AddPipeline(new FailAfterHandlerPipeline())
            .AddListener<RecordingListener>(listener => listener.Name(UniqueName("crash")).Idempotent()));

        var sent = await host.SendAsync(new OrderPlaced("o-1", 10));
        await host.Observations.WaitForCounterAsync("eventing.idempotency.skipped", 1);

        Assert.Equal(1, recorder.CountFor(sent.Envelope.Id));
    }

    [Theory]
    [MemberData(nameof(TestStore.Sql), MemberType = typeof(TestStore))]
    public async Task Handler_work_and_processed_record_roll_back_together_when_the_handler_throws(string kind)
    {
        await using var store = await TestStore.CreateAsync(kind);
        var orders = store.Table + "_orders";
        await store.ExecuteAsync($"CREATE TABLE {orders} (message_id TEXT NOT NULL, order_id TEXT NOT NULL)");
        var rowsSeenAtStart = new List<long>();
        var recorder = new Recorder
        {
            Behavior = async (e, context, ct) =>
            {
                var transaction = context.GetDbTransaction();
                rowsSeenAtStart.Add(await CountAsync(transaction, $"SELECT COUNT(*) FROM {orders}", ct));
                await ExecuteAsync(transaction, $"INSERT INTO {orders} (message_id, order_id) VALUES ('{context.MessageId}', '{e.OrderId}')", ct);
                if (context.DeliveryAttempt < 3)
                {
                    throw new InvalidOperationException($"attempt {context.DeliveryAttempt} fails after writing");
                }
            },
        };
        await using var host = await TestHost.StartAsync(store, recorder, events => events
            .AddListener<RecordingListener>(listener => listener.Name(UniqueName("tx")).Idempotent()));

        var sent = await host.SendAsync(new OrderPlaced("o-1", 10));
        await recorder.WaitForCallsAsync(3);
        await host.SendAgainAsync(sent);
        await host.Observations.WaitForCounterAsync("eventing.idempotency.skipped", 1);

        // Attempts 1 and 2 wrote a row and a record, then threw: both were rolled back, or attempt 2 would have
        // seen a row (and, with the record, would not have run at all).
        Assert.Equal([0L, 0L, 0L], rowsSeenAtStart);
        Assert.Equal(1, await store.ScalarAsync($"SELECT COUNT(*) FROM {orders}"));
        Assert.Equal(1, await store.RecordCountAsync());
    }

    [Theory]
    [MemberData(nameof(TestStore.Sql), MemberType = typeof(TestStore))]
    public async Task Dead_lettered_message_leaves_neither_handler_work_nor_processed_record(string kind)
    {
        await using var store = await TestStore.CreateAsync(kind);
        var orders = store.Table + "_orders";
        await store.ExecuteAsync($"CREATE TABLE {orders} (message_id TEXT NOT NULL, order_id TEXT NOT NULL)");
        var recorder = new Recorder
        {
            Behavior = async (e, context, ct) =>
            {
                await ExecuteAsync(context.GetDbTransaction(), $"INSERT INTO {orders} (message_id, order_id) VALUES ('{context.MessageId}', '{e.OrderId}')", ct);
                throw new InvalidOperationException("always fails after writing");
            },
        };
        var name = UniqueName("dead");
        await using var host = await TestHost.StartAsync(store, recorder, events => events
            .AddListener<RecordingListener>(listener => listener.Name(name).Idempotent()));

        await host.SendAsync(new OrderPlaced("o-1", 10));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await host.Services.GetRequiredService<LocalBroker>()
            .WaitForDeadLettersAsync($"idempotency-tests.order-placed::{name}", 1, timeout.Token);

        Assert.Equal(0, await store.ScalarAsync($"SELECT COUNT(*) FROM {orders}"));
        Assert.Equal(0, await store.RecordCountAsync());
    }

    private static async Task<long> CountAsync(DbTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task ExecuteAsync(DbTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
