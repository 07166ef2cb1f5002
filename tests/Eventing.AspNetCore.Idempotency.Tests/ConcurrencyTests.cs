using System.Net;
using Microsoft.AspNetCore.Builder;

namespace Eventing.AspNetCore.Idempotency.Tests;

/// <summary>A duplicate that arrives while the first request still runs: 409 by default, or it waits for the answer.</summary>
public sealed class ConcurrencyTests
{
    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task A_duplicate_while_the_first_runs_gets_409_with_Retry_After_and_the_retry_after_it_gets_the_answer(string kind)
    {
        await using var store = await TestStore.CreateAsync(kind);
        var probe = new Probe { Holds = true };
        await using var app = await TestApp.StartAsync(store, web => web.MapPost("/orders", async () => new { run = await probe.RunAsync() }).WithIdempotency());

        var first = app.PostAsync("/orders", "busy");
        await probe.Entered.WaitAsync(TimeSpan.FromSeconds(30));
        var duplicate = await app.PostAsync("/orders", "busy");
        probe.Release();
        var answer = await first;
        var retry = await app.PostAsync("/orders", "busy");

        Assert.Equal(HttpStatusCode.Conflict, duplicate.Status);
        Assert.NotNull(duplicate.Header("Retry-After"));
        Assert.Equal("application/problem+json", duplicate.Header("Content-Type"));
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.True(retry.Replayed);
        Assert.Equal(answer.Body, retry.Body);
        Assert.Equal(1, probe.Runs);
    }

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task In_wait_mode_duplicates_wait_for_the_first_request_and_get_its_answer(string kind)
    {
        await using var store = await TestStore.CreateAsync(kind);
        var probe = new Probe { Holds = true };
        await using var app = await TestApp.StartAsync(
            store,
            web => web.MapPost("/orders", async () => new { run = await probe.RunAsync() }).WithIdempotency(),
            options => options.ConcurrentRequests = ConcurrentRequestHandling.Wait);

        var first = app.PostAsync("/orders", "waited");
        await probe.Entered.WaitAsync(TimeSpan.FromSeconds(30));
        var duplicates = Enumerable.Range(0, 4).Select(_ => app.PostAsync("/orders", "waited")).ToArray();
        probe.Release();
        var answers = await Task.WhenAll(duplicates.Prepend(first));

        Assert.All(answers, answer => Assert.Equal(HttpStatusCode.OK, answer.Status));
        Assert.All(answers, answer => Assert.Equal(answers[0].Body, answer.Body));
        Assert.Equal(1, probe.Runs);
    }

    [Fact]
    public async Task In_wait_mode_a_duplicate_gets_409_once_the_wait_timeout_passed()
    {
        await using var store = await TestStore.CreateAsync("postgres");
        var probe = new Probe { Holds = true };
        await using var app = await TestApp.StartAsync(
            store,
            web => web.MapPost("/orders", async () => new { run = await probe.RunAsync() }).WithIdempotency(endpoint => endpoint.ConcurrentRequests = ConcurrentRequestHandling.Wait),
            options => options.WaitTimeout = TimeSpan.FromMilliseconds(200));

        var first = app.PostAsync("/orders", "slow");
        await probe.Entered.WaitAsync(TimeSpan.FromSeconds(30));
        var duplicate = await app.PostAsync("/orders", "slow");
        probe.Release();
        await first;

        Assert.Equal(HttpStatusCode.Conflict, duplicate.Status);
        Assert.Equal(1, probe.Runs);
    }
}
