using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Eventing.AspNetCore.Idempotency.Tests;

/// <summary>.WithRequestLock(key, lease): one request per key at a time, in process and across processes with Redis.</summary>
public sealed class RequestLockTests
{
    [Theory]
    [InlineData("sqlite")]
    [InlineData("redis")]
    public async Task A_second_request_for_a_locked_key_gets_409_while_another_key_runs_and_the_key_is_free_afterwards(string kind)
    {
        await using var store = await TestStore.CreateAsync(kind);
        var held = new Probe { Holds = true };
        var free = new Probe();
        await using var app = await TestApp.StartAsync(store, web => web.MapPost("/accounts/{id}/withdraw", async (string id) =>
            new { run = await (id == "a" ? held : free).RunAsync() }).WithRequestLock(AccountKey, TimeSpan.FromSeconds(30)));

        var first = app.PostAsync("/accounts/a/withdraw", key: null);
        await held.Entered.WaitAsync(TimeSpan.FromSeconds(30));
        var locked = await app.PostAsync("/accounts/a/withdraw", key: null);
        var other = await app.PostAsync("/accounts/b/withdraw", key: null);
        held.Release();
        var answer = await first;
        var after = await app.PostAsync("/accounts/a/withdraw", key: null);

        Assert.Equal(HttpStatusCode.Conflict, locked.Status);
        Assert.NotNull(locked.Header("Retry-After"));
        Assert.Equal(HttpStatusCode.OK, other.Status);
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal(HttpStatusCode.OK, after.Status);
        Assert.Equal(2, held.Runs);
    }

    [Fact]
    public async Task With_a_wait_the_second_request_runs_once_the_first_released_the_key()
    {
        await using var store = await TestStore.CreateAsync("redis");
        var probe = new Probe { Holds = true };
        var concurrent = 0;
        var maxConcurrent = 0;
        var secondArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var arrivals = 0;
        await using var app = await TestApp.StartAsync(store, web =>
        {
            // Signals when the second request reached the server, so it meets the lock while the first still holds it.
            web.Use(async (http, next) =>
            {
                if (Interlocked.Increment(ref arrivals) == 2)
                {
                    secondArrived.TrySetResult();
                }

                await next(http);
            });
            web.MapPost("/accounts/{id}/withdraw", async () =>
        {
            var now = Interlocked.Increment(ref concurrent);
            InterlockedMax(ref maxConcurrent, now);
            var run = await probe.RunAsync();
            Interlocked.Decrement(ref concurrent);
            return new { run };
        }).WithRequestLock(AccountKey, TimeSpan.FromSeconds(30), wait: TimeSpan.FromSeconds(30));
        });

        var first = app.PostAsync("/accounts/a/withdraw", key: null);
        await probe.Entered.WaitAsync(TimeSpan.FromSeconds(30));
        var second = app.PostAsync("/accounts/a/withdraw", key: null);
        await secondArrived.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, probe.Runs);
        probe.Release();
        var answers = await Task.WhenAll(first, second);

        Assert.All(answers, answer => Assert.Equal(HttpStatusCode.OK, answer.Status));
        Assert.Equal(2, probe.Runs);
        Assert.Equal(1, maxConcurrent);
    }

    [Fact]
    public async Task With_Redis_the_lock_holds_across_processes()
    {
        await using var store = await TestStore.CreateAsync("redis");
        var probe = new Probe { Holds = true };
        void Map(WebApplication web) => web.MapPost("/accounts/{id}/withdraw", async () => new { run = await probe.RunAsync() })
            .WithRequestLock(AccountKey, TimeSpan.FromSeconds(30));
        await using var one = await TestApp.StartAsync(store, Map);
        await using var two = await TestApp.StartAsync(store, Map);

        var first = one.PostAsync("/accounts/a/withdraw", key: null);
        await probe.Entered.WaitAsync(TimeSpan.FromSeconds(30));
        var locked = await two.PostAsync("/accounts/a/withdraw", key: null);
        probe.Release();
        await first;
        var after = await two.PostAsync("/accounts/a/withdraw", key: null);

        Assert.Equal(HttpStatusCode.Conflict, locked.Status);
        Assert.Equal(HttpStatusCode.OK, after.Status);
        Assert.Equal(2, probe.Runs);
    }

    private static string? AccountKey(HttpContext http) => "account:" + http.Request.RouteValues["id"];

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
