using System.Net;
using Eventing.AspNetCore.Tests.Infrastructure;

namespace Eventing.AspNetCore.Tests.Streams;

public sealed class AuthorizationTests
{
    [Fact]
    public async Task Unauthenticated_requests_get_401_before_the_upgrade_and_users_outside_the_policy_403()
    {
        var stream = TestStreams.NewName();
        await using var server = await TestStreams.StartLocalAsync(stream);

        var webSocket = await WebSocketClient.RefusedStatusAsync(server.WebSocket("/events/" + stream), user: null);
        using var sse = await SseClient.GetAsync(server.Http("/events/" + stream), user: null);
        var noTenant = await WebSocketClient.RefusedStatusAsync(server.WebSocket("/events/" + stream), "carol@");

        Assert.Equal(HttpStatusCode.Unauthorized, webSocket);
        Assert.Equal(HttpStatusCode.Unauthorized, sse.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, noTenant);
    }

    [Fact]
    public async Task Each_user_gets_only_the_events_their_tenant_may_see_over_both_carriers()
    {
        var stream = TestStreams.NewName();
        await using var server = await TestStreams.StartLocalAsync(stream);
        await using var alice = await WebSocketClient.ConnectAsync(server.WebSocket("/events/" + stream), TestStreams.Alice);
        await using var bob = await SseClient.ConnectAsync(server.Http("/events/" + stream), TestStreams.Bob);

        for (var seq = 1; seq <= 10; seq++)
        {
            await server.Events.SendAsync(new TestOrder("r", seq % 2 == 0 ? "acme" : "globex", seq));
        }

        // Events arrive in order, so once each has its last event, every other tenant's event before it was withheld.
        var aliceGot = await alice.ReadUntilAsync(e => e.Seq == 10);
        var bobGot = await bob.ReadUntilAsync(e => e.Seq == 9);

        Assert.Equal([2, 4, 6, 8, 10], aliceGot.Select(e => e.Seq));
        Assert.Equal([1, 3, 5, 7, 9], bobGot.Select(e => e.Seq));
        Assert.All(aliceGot, e => Assert.Equal("acme", e.Tenant));
        Assert.All(bobGot, e => Assert.Equal("globex", e.Tenant));
    }
}
