using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Eventing.AspNetCore.Idempotency.Tests;

/// <summary>Replay, fingerprint mismatch, missing key and what is (not) stored, over real HTTP on every store.</summary>
public sealed class ReplayTests
{
    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task A_retry_gets_the_stored_response_byte_for_byte_with_the_replay_header_and_the_handler_runs_once(string kind)
    {
        await using var store = await TestStore.CreateAsync(kind);
        var probe = new Probe();
        await using var app = await TestApp.StartAsync(store, web => web.MapPost("/orders", async (HttpContext http) =>
        {
            var run = await probe.RunAsync();
            http.Response.Headers.ETag = $"\"v{run}\"";
            http.Response.Headers["X-Not-Stored"] = "live";
            return Results.Created($"/orders/{Guid.NewGuid():N}", new { run, id = Guid.NewGuid() });
        }).WithIdempotency());

        var first = await app.PostAsync("/orders", "key-1", """{"item":"book"}""");
        var retry = await app.PostAsync("/orders", "key-1", """{"item":"book"}""");

        Assert.Equal(HttpStatusCode.Created, first.Status);
        Assert.False(first.Replayed);
        Assert.Equal(HttpStatusCode.Created, retry.Status);
        Assert.True(retry.Replayed);
        Assert.Equal(first.Body, retry.Body);
        Assert.Equal(first.Header("Location"), retry.Header("Location"));
        Assert.Equal(first.Header("ETag"), retry.Header("ETag"));
        Assert.Equal(first.Header("Content-Type"), retry.Header("Content-Type"));
        Assert.Null(retry.Header("X-Not-Stored"));
        Assert.Equal(1, probe.Runs);

        // Another key is another request.
        var other = await app.PostAsync("/orders", "key-2", """{"item":"book"}""");
        Assert.False(other.Replayed);
        Assert.Equal(2, probe.Runs);
    }

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task The_same_key_with_another_body_gets_422_problem_details_and_does_not_run(string kind)
    {
        await using var store = await TestStore.CreateAsync(kind);
        var probe = new Probe();
        await using var app = await TestApp.StartAsync(store, web => web.MapPost("/orders", async () => new { run = await probe.RunAsync() }).WithIdempotency());

        var first = await app.PostAsync("/orders", "reused", """{"item":"book"}""");
        var other = await app.PostAsync("/orders", "reused", """{"item":"car"}""");

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, other.Status);
        Assert.Equal("application/problem+json", other.Header("Content-Type"));
        using var problem = JsonDocument.Parse(other.Body);
        Assert.Equal(422, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Contains("Idempotency-Key", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, probe.Runs);
    }

    [Fact]
    public async Task A_request_without_the_key_gets_400_naming_the_header_unless_the_key_is_optional()
    {
        await using var store = await TestStore.CreateAsync("sqlite");
        var probe = new Probe();
        await using var app = await TestApp.StartAsync(
            store,
            web =>
            {
                web.MapPost("/required", async () => new { run = await probe.RunAsync() }).WithIdempotency();
                web.MapPost("/optional", async () => new { run = await probe.RunAsync() }).WithIdempotency(endpoint => endpoint.Required = false);
            },
            options => options.HeaderName = "X-Request-Key");

        var missing = await app.PostAsync("/required", key: null);
        var optional = await app.PostAsync("/optional", key: null);

        Assert.Equal(HttpStatusCode.BadRequest, missing.Status);
        Assert.Contains("X-Request-Key", missing.Text, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, optional.Status);
        Assert.Equal(1, probe.Runs);
    }

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task Server_errors_and_exceptions_are_not_stored_so_the_retry_runs_again_while_client_errors_are(string kind)
    {
        await using var store = await TestStore.CreateAsync(kind);
        var probe = new Probe();
        await using var app = await TestApp.StartAsync(store, web =>
        {
            web.MapPost("/unavailable", async () => Results.Problem($"run {await probe.RunAsync()}", statusCode: 503)).WithIdempotency();
            web.MapPost("/throws", async Task<IResult> () =>
            {
                await probe.RunAsync();
                throw new InvalidOperationException("handler failed");
            }).WithIdempotency();
            web.MapPost("/rejected", async () => Results.BadRequest(new { run = await probe.RunAsync() })).WithIdempotency();
        });

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await app.PostAsync("/unavailable", "k")).Status);
        var again = await app.PostAsync("/unavailable", "k");
        Assert.False(again.Replayed);
        Assert.Equal(2, probe.Runs);

        Assert.Equal(HttpStatusCode.InternalServerError, (await app.PostAsync("/throws", "k")).Status);
        Assert.Equal(HttpStatusCode.InternalServerError, (await app.PostAsync("/throws", "k")).Status);
        Assert.Equal(4, probe.Runs);

        var rejected = await app.PostAsync("/rejected", "k");
        var rejectedAgain = await app.PostAsync("/rejected", "k");
        Assert.Equal(HttpStatusCode.BadRequest, rejectedAgain.Status);
        Assert.True(rejectedAgain.Replayed);
        Assert.Equal(rejected.Body, rejectedAgain.Body);
        Assert.Equal(5, probe.Runs);
    }

    [Fact]
    public async Task Client_errors_are_not_stored_when_CacheClientErrors_is_off()
    {
        await using var store = await TestStore.CreateAsync("sqlite");
        var probe = new Probe();
        await using var app = await TestApp.StartAsync(
            store,
            web => web.MapPost("/rejected", async () => Results.BadRequest(new { run = await probe.RunAsync() })).WithIdempotency(),
            options => options.CacheClientErrors = false);

        await app.PostAsync("/rejected", "k");
        var again = await app.PostAsync("/rejected", "k");

        Assert.False(again.Replayed);
        Assert.Equal(2, probe.Runs);
    }

    [Fact]
    public async Task Equal_keys_of_two_users_are_two_requests()
    {
        await using var store = await TestStore.CreateAsync("redis");
        var probe = new Probe();
        await using var app = await TestApp.StartAsync(
            store,
            web => web.MapPost("/orders", async () => new { run = await probe.RunAsync() }).WithIdempotency(),
            options => options.UserScope = http => http.Request.Headers["X-User"].ToString());

        async Task<Answer> AsUserAsync(string user)
        {
            var request = TestApp.Post("/orders", "same-key");
            request.Headers.Add("X-User", user);
            return await app.SendAsync(request);
        }

        var alice = await AsUserAsync("alice");
        var bob = await AsUserAsync("bob");
        var aliceAgain = await AsUserAsync("alice");

        Assert.NotEqual(alice.Body, bob.Body);
        Assert.True(aliceAgain.Replayed);
        Assert.Equal(alice.Body, aliceAgain.Body);
        Assert.Equal(2, probe.Runs);
    }
}
