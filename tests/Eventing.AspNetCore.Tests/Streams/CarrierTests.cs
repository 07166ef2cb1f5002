using System.Net;
using Eventing.AspNetCore.Tests.Infrastructure;

namespace Eventing.AspNetCore.Tests.Streams;

public sealed class CarrierTests
{
    [Fact]
    public async Task WebSocket_client_gets_each_event_as_one_structured_CloudEvent_text_message_with_subprotocol_cloudevents_json()
    {
        var stream = TestStreams.NewName();
        await using var server = await TestStreams.StartLocalAsync(stream);
        await using var client = await WebSocketClient.ConnectAsync(server.WebSocket("/events/" + stream), TestStreams.Alice);

        await server.Events.SendAsync(new TestOrder("r", "acme", 1), [new("correlationid", "c-1")]);
        var received = await client.NextAsync();

        Assert.Equal("cloudevents.json", client.SubProtocol);
        Assert.Equal("1.0", received.CloudEvent.GetProperty("specversion").GetString());
        Assert.Equal("aspnetcore.tests.order", received.Type);
        Assert.False(string.IsNullOrEmpty(received.Id));
        Assert.StartsWith("/eventing/", received.CloudEvent.GetProperty("source").GetString(), StringComparison.Ordinal);
        Assert.Equal("c-1", received.CloudEvent.GetProperty("correlationid").GetString());
        Assert.Equal(1, received.Seq);
        Assert.Equal("acme", received.Tenant);
    }

    [Fact]
    public async Task Sse_client_gets_each_event_with_id_the_CloudEvent_id_and_event_its_type()
    {
        var stream = TestStreams.NewName();
        await using var server = await TestStreams.StartLocalAsync(stream);
        await using var client = await SseClient.ConnectAsync(server.Http("/events/" + stream), TestStreams.Alice);

        await server.Events.SendAsync(new TestOrder("r", "acme", 1));
        await server.Events.SendAsync(new TestNote("r", "acme", 2, Public: true));
        // Two event types: two listener queues, so either may come first.
        var received = (await client.ReadUntilAllAsync(1, 2)).OrderBy(e => e.Seq).ToList();
        var (order, note) = (received[0], received[1]);

        Assert.Equal("text/event-stream", client.Response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(order.Id, order.SseId);
        Assert.Equal("aspnetcore.tests.order", order.SseType);
        Assert.Equal(note.Id, note.SseId);
        Assert.Equal("aspnetcore.tests.note", note.SseType);
        Assert.Equal([1, 2], received.Select(e => e.Seq));
    }

    [Fact]
    public async Task Query_types_narrows_a_connection_to_some_event_types_and_an_include_filter_applies_to_everyone()
    {
        var stream = TestStreams.NewName();
        await using var server = await TestStreams.StartLocalAsync(stream);
        await using var notesOnly = await WebSocketClient.ConnectAsync(server.WebSocket($"/events/{stream}?types=aspnetcore.tests.note"), TestStreams.Alice);
        await using var everything = await SseClient.ConnectAsync(server.Http("/events/" + stream), TestStreams.Alice);

        await server.Events.SendAsync(new TestOrder("r", "acme", 1));
        await server.Events.SendAsync(new TestNote("r", "acme", 2, Public: false));
        await server.Events.SendAsync(new TestNote("r", "acme", 3, Public: true));

        Assert.Equal(3, (await notesOnly.NextAsync()).Seq);
        // The private note 2 would come before note 3 in the notes' queue, so once 1 and 3 are here, 2 was withheld.
        Assert.Equal([1, 3], (await everything.ReadUntilAllAsync(1, 3)).Select(e => e.Seq).Order());
    }

    [Fact]
    public async Task Unknown_event_type_in_query_types_or_a_foreign_subprotocol_is_refused_with_400()
    {
        var stream = TestStreams.NewName();
        await using var server = await TestStreams.StartLocalAsync(stream);

        using var unknownType = await SseClient.GetAsync(server.Http($"/events/{stream}?types=orders.nope"), TestStreams.Alice);
        var foreignProtocol = await WebSocketClient.RefusedStatusAsync(server.WebSocket("/events/" + stream), TestStreams.Alice, subProtocol: "mqtt");

        Assert.Equal(HttpStatusCode.BadRequest, unknownType.StatusCode);
        Assert.Contains("aspnetcore.tests.order", await unknownType.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, foreignProtocol);
    }
}
