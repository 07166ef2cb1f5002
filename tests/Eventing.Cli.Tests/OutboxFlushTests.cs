using System.Globalization;

namespace Eventing.Cli.Tests;

[Event("cli.tests.outbox.sqlite", Durable = true)]
public sealed record OutboxSqliteOrder(int OrderId);

[Event("cli.tests.outbox.postgres")]
public sealed record OutboxPostgresOrder(int OrderId);

[Event("cli.tests.outbox.ordered", Durable = true)]
public sealed record OutboxOrderedStep(int Step);

/// <summary>
/// `eventing outbox flush` as a process: an application recorded events into its outbox and went down; the CLI, which
/// has none of the application's event types, sends them to RabbitMQ and deletes the rows.
/// </summary>
public sealed class OutboxFlushTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Flush_sends_every_pending_sqlite_event_with_its_id_and_headers_and_deletes_the_rows()
    {
        await using var outbox = TestOutbox.Sqlite();
        await FlushDeliversEverythingAsync(outbox, [.. Enumerable.Range(1, 5).Select(i => new OutboxSqliteOrder(i))], order => order.OrderId, environment: null);
    }

    [Fact]
    public async Task Flush_sends_every_pending_postgresql_event_with_settings_from_the_environment()
    {
        await using var outbox = await TestOutbox.PostgreSqlAsync();

        // Store, connection string and table come from EVENTING_OUTBOX_*, not flags.
        var environment = new Dictionary<string, string>
        {
            ["EVENTING_OUTBOX_STORE"] = "postgresql",
            ["EVENTING_OUTBOX_CONNECTION"] = outbox.ConnectionString,
            ["EVENTING_OUTBOX_TABLE"] = outbox.Table,
        };
        await FlushDeliversEverythingAsync(outbox, [.. Enumerable.Range(1, 5).Select(i => new OutboxPostgresOrder(i))], order => order.OrderId, environment);
    }

    [Fact]
    public async Task Ordered_flush_sends_in_commit_order_even_when_the_writers_clocks_disagree()
    {
        await using var outbox = TestOutbox.Sqlite();
        var batch = Guid.NewGuid().ToString("N");
        var steps = Enumerable.Range(1, 20).Select(i => new OutboxOrderedStep(i)).ToList();
        var ids = await outbox.RecordAsync(steps, [new("batch", batch)]);

        // created_at comes from each writer's clock; skewed clocks make it disagree with commit order. Reversing it
        // makes the unordered path (oldest created_at first) send in reverse, so only --ordered passes this test.
        await outbox.ExecuteAsync($"UPDATE {outbox.Table} SET created_at = 1000000000000 - seq");

        await using var library = await LibraryHost.StartAsync(Target.RabbitMq);
        var received = new Received(steps.Count, batch);
        await using (await library.Events.SubscribeAsync<OutboxOrderedStep>("flush", received.AddAsync, perProcess: true))
        {
            var flush = await CliProcess.RunAsync(["outbox", "flush", "--ordered", .. outbox.Flags, .. await Target.RabbitMq.FlagsAsync()]);
            Assert.True(flush.ExitCode == 0, flush.ToString());
            Assert.Contains($"sent {steps.Count} pending event(s) in commit order", flush.Stdout, StringComparison.Ordinal);

            var contexts = await received.All.WaitAsync(Wait);
            Assert.Equal(ids, contexts.Select(context => context.MessageId));
        }

        Assert.Equal(0, await outbox.CountRowsAsync());
    }

    [Fact]
    public async Task Flush_sends_the_due_events_and_leaves_a_scheduled_one_until_its_time_saying_when_it_is_due()
    {
        await using var outbox = TestOutbox.Sqlite();
        var batch = Guid.NewGuid().ToString("N");
        var ids = await outbox.RecordAsync([new OutboxSqliteOrder(1), new OutboxSqliteOrder(2)], [new("batch", batch)]);
        var due = DateTimeOffset.UtcNow.AddHours(2);
        await outbox.ExecuteAsync($"UPDATE {outbox.Table} SET due_at = {due.ToUnixTimeMilliseconds()} WHERE message_id = '{ids[1]}'");

        await using var library = await LibraryHost.StartAsync(Target.RabbitMq);
        var received = new Received(1, batch);
        await using (await library.Events.SubscribeAsync<OutboxSqliteOrder>("flush", received.AddAsync, perProcess: true))
        {
            var flush = await CliProcess.RunAsync(["outbox", "flush", .. outbox.Flags, .. await Target.RabbitMq.FlagsAsync()]);
            Assert.True(flush.ExitCode == 0, flush.ToString());
            Assert.Equal(2, flush.StdoutLines.Length);
            Assert.StartsWith("sent 1 pending event(s) from sqlite", flush.StdoutLines[0], StringComparison.Ordinal);
            Assert.Equal(
                $"1 scheduled event(s) are not due yet and stay in the outbox; the first is due at {due.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC",
                flush.StdoutLines[1]);

            var contexts = await received.All.WaitAsync(Wait);
            Assert.Equal(ids[0], Assert.Single(contexts).MessageId);
        }

        Assert.Equal([ids[1]], (await outbox.RowsAsync()).Keys);
    }

    [Fact]
    public async Task Flush_to_a_broker_that_is_not_there_exits_2_and_keeps_the_rows()
    {
        await using var outbox = TestOutbox.Sqlite();
        await outbox.RecordAsync([new OutboxSqliteOrder(1), new OutboxSqliteOrder(2)], []);

        var flush = await CliProcess.RunAsync(["outbox", "flush", .. outbox.Flags, "--provider", "rabbitmq", "--broker", "amqp://guest:secret@127.0.0.1:1/"]);
        CliAssert.OneLineError(flush, 2, "amqp://guest:***@127.0.0.1:1/");
        Assert.DoesNotContain("secret", flush.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, await outbox.CountRowsAsync());
    }

    [Fact]
    public async Task Flush_of_a_table_that_does_not_exist_is_a_usage_error_that_creates_nothing()
    {
        await using var outbox = TestOutbox.Sqlite();
        await outbox.RecordAsync([new OutboxSqliteOrder(1)], []);

        var flush = await CliProcess.RunAsync([
            "outbox", "flush", "--store", "sqlite", "--connection", outbox.ConnectionString, "--table", "not_the_outbox", .. await Target.RabbitMq.FlagsAsync()]);
        CliAssert.OneLineError(flush, 1, "The outbox table 'not_the_outbox' does not exist");
        await Assert.ThrowsAnyAsync<Microsoft.Data.Sqlite.SqliteException>(() => outbox.ExecuteAsync("SELECT 1 FROM not_the_outbox"));
        Assert.Equal(1, await outbox.CountRowsAsync());
    }

    [Fact]
    public async Task Unexpected_errors_are_one_line_and_verbose_shows_the_stack_trace()
    {
        // A file that is not a SQLite database: an error no command maps, which used to reach System.CommandLine's
        // handler (a stack trace and exit 1).
        var file = Path.Combine(Path.GetTempPath(), $"eventing-cli-not-a-db-{Guid.NewGuid():N}.db");
        await File.WriteAllTextAsync(file, string.Concat(Enumerable.Repeat("this is not a database ", 20)));
        try
        {
            string[] arguments = ["outbox", "flush", "--store", "sqlite", "--connection", $"Data Source={file}", .. await Target.RabbitMq.FlagsAsync()];
            var plain = await CliProcess.RunAsync(arguments);
            CliAssert.OneLineError(plain, 1, "unexpected error: SqliteException: SQLite Error 26: 'file is not a database'");
            Assert.Single(plain.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains("--verbose", plain.Stderr, StringComparison.Ordinal);

            foreach (var verbose in new[]
            {
                await CliProcess.RunAsync([.. arguments, "--verbose"]),
                await CliProcess.RunAsync(arguments, new Dictionary<string, string> { ["EVENTING_VERBOSE"] = "1" }),
            })
            {
                // The stack trace first, and the one line still last, so `tail -n 1` gives the message.
                CliAssert.OneLineError(verbose, 1, "unexpected error: SqliteException");
                Assert.Contains("   at Eventing.Cli.", verbose.Stderr, StringComparison.Ordinal);
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            File.Delete(file);
        }
    }

    private static async Task FlushDeliversEverythingAsync<TEvent>(
        TestOutbox outbox, List<TEvent> events, Func<TEvent, int> number, IReadOnlyDictionary<string, string>? environment)
        where TEvent : notnull
    {
        var batch = Guid.NewGuid().ToString("N");
        var traceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        var ids = await outbox.RecordAsync(events, [new("batch", batch), new("tenant", "acme"), new("correlationid", "c-outbox"), new("traceparent", traceParent)]);
        var rows = await outbox.RowsAsync();
        Assert.Equal(events.Count, rows.Count);

        await using var library = await LibraryHost.StartAsync(Target.RabbitMq);
        var received = new Received(events.Count, batch);
        var bodies = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        await using (await library.Events.SubscribeAsync<TEvent>("flush", (@event, context, ct) =>
        {
            bodies[context.MessageId] = number(@event);
            return received.AddAsync(@event, context, ct);
        }, perProcess: true))
        {
            var flush = await CliProcess.RunAsync(["outbox", "flush", .. environment is null ? outbox.Flags : [], .. await Target.RabbitMq.FlagsAsync()], environment);
            Assert.True(flush.ExitCode == 0, flush.ToString());
            Assert.Equal($"sent {events.Count} pending event(s) from {outbox.Store}", string.Join(' ', Assert.Single(flush.StdoutLines).Split(' ')[..6]));
            Assert.Empty(flush.Stderr);

            var contexts = await received.All.WaitAsync(Wait);
            Assert.Equal(ids.Order(), contexts.Select(context => context.MessageId).Order());
            foreach (var context in contexts)
            {
                Assert.Equal("acme", context.Headers["tenant"]);
                Assert.Equal("c-outbox", context.Envelope.CorrelationId);
                Assert.Equal(traceParent, context.Headers["traceparent"]);
                var (source, time) = rows[context.MessageId];
                Assert.Equal(source, context.Envelope.Source);
                Assert.Equal(DateTimeOffset.Parse(time, CultureInfo.InvariantCulture), context.Envelope.Time);
            }

            // Each recorded event arrived with its own body, under the id it was recorded with.
            Assert.Equal(Enumerable.Range(1, events.Count), ids.Select(id => bodies[id]));
        }

        Assert.Equal(0, await outbox.CountRowsAsync());
    }

    /// <summary>Collects the deliveries of one test (by its <c>batch</c> header) and completes when all arrived.</summary>
    private sealed class Received(int expected, string batch)
    {
        private readonly List<EventContext> _contexts = [];
        private readonly TaskCompletionSource<List<EventContext>> _all = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<List<EventContext>> All => _all.Task;

        public ValueTask AddAsync<TEvent>(TEvent @event, EventContext context, CancellationToken cancellationToken)
        {
            if (!context.Headers.TryGetValue("batch", out var value) || value != batch)
            {
                return ValueTask.CompletedTask;
            }

            lock (_contexts)
            {
                _contexts.Add(context);
                if (_contexts.Count == expected)
                {
                    _all.TrySetResult([.. _contexts]);
                }
                else if (_contexts.Count > expected)
                {
                    _all.TrySetException(new InvalidOperationException($"received {_contexts.Count} events of batch {batch}, expected {expected}"));
                }
            }

            return ValueTask.CompletedTask;
        }
    }
}
