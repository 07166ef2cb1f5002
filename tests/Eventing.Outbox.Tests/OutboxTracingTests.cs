using System.Data.Common;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Eventing.Outbox.Tests;

/// <summary>
/// One trace from the request that recorded an event, through the row, to the listener: the create span is a child
/// of the request, the send (whoever sends: after commit, the relay, a flush) a child of the create, the process
/// span a child of the send.
/// </summary>
public sealed class OutboxTracingTests
{
    private const string EventName = "outbox-tests.order-placed";
    private static readonly ActivitySource Requests = new("Eventing.Outbox.Tests.Requests");

    [Fact]
    public async Task An_event_the_relay_sends_from_sqlite_continues_the_trace_of_the_request_that_recorded_it()
    {
        await using var database = new SqliteTestDatabase();
        await AssertOneTraceAsync(database, Sender.Relay);
    }

    [Fact]
    public async Task An_event_the_relay_sends_from_postgresql_continues_the_trace_of_the_request_that_recorded_it()
    {
        await using var database = await PostgresTestDatabase.StartAsync();
        await AssertOneTraceAsync(database, Sender.Relay);
    }

    [Fact]
    public async Task An_event_sent_right_after_its_commit_continues_the_trace_of_the_request_that_recorded_it()
    {
        await using var database = new SqliteTestDatabase();
        await AssertOneTraceAsync(database, Sender.AfterCommit);
    }

    [Fact]
    public async Task An_event_an_outbox_flush_sends_continues_the_trace_of_the_request_that_recorded_it()
    {
        await using var database = new SqliteTestDatabase();
        await AssertOneTraceAsync(database, Sender.Flush);
    }

    private static async Task AssertOneTraceAsync(TestDatabase database, Sender sender)
    {
        var spans = new ExportedSpans();
        using var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource("Eventing", Requests.Name)
            .AddInMemoryExporter(spans)
            .Build();

        // Only the relay or the flush may send: rows committed outside IOutbox.CommitAsync are left to them.
        await using var host = await OutboxTestHost.StartAsync(database.UseStore, o =>
        {
            o.GracePeriod = TimeSpan.Zero;
            o.RunRelay = sender == Sender.Relay;
        });
        var received = new Received<OrderPlaced>();
        await using var subscription = await host.Events.SubscribeAsync<OrderPlaced>("outbox-trace-" + Guid.NewGuid().ToString("N")[..8], received.HandleAsync);

        ActivityContext request;
        using (var activity = Requests.StartActivity("POST /orders", ActivityKind.Server))
        {
            Assert.NotNull(activity);
            request = activity.Context;
            spans.Follow(activity.TraceId);
            await using var connection = await database.OpenAsync();
            await using DbTransaction transaction = await connection.BeginTransactionAsync();
            await host.Outbox.AddAsync(new OrderPlaced(1, 1, "traced " + sender), transaction);
            if (sender == Sender.AfterCommit)
            {
                await host.Outbox.CommitAsync(transaction);
            }
            else
            {
                await transaction.CommitAsync();
            }
        }

        if (sender == Sender.Flush)
        {
            var flushed = await host.Services.GetRequiredService<OutboxFlusher>().FlushAsync();
            Assert.Equal(1, flushed.Sent);
        }

        await received.WaitForAsync(1);
        var create = await spans.WaitForAsync("create " + EventName);
        var send = await spans.WaitForAsync("send " + EventName);
        var process = await spans.WaitForAsync("process " + EventName);

        Assert.Equal(request.TraceId, create.TraceId);
        Assert.Equal(request.SpanId, create.ParentSpanId);
        Assert.Equal(ActivityKind.Producer, create.Kind);
        Assert.Equal(create.SpanId, send.ParentSpanId);
        Assert.Equal(ActivityKind.Producer, send.Kind);
        Assert.Equal(send.SpanId, process.ParentSpanId);
        Assert.Equal(ActivityKind.Consumer, process.Kind);
        Assert.All(new[] { create, send, process }, span => Assert.Equal(request.TraceId, span.TraceId));
        Assert.Single(spans, span => span.DisplayName == "send " + EventName);
    }

    private enum Sender
    {
        AfterCommit,
        Relay,
        Flush,
    }
}
