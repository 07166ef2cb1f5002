using System.Net;
using Eventing.Outbox;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Eventing.AspNetCore.Idempotency.Tests;

/// <summary>
/// A process dies between its commit and storing the response. Two apps share the store: the first commits the
/// order and its event, then never answers (it "died"). Retries elsewhere get 409 while its claim's lease lasts,
/// then run the request again; the handler, keyed by the idempotency key, finds its order and adds no event. When
/// the "dead" process comes back it cannot overwrite the stored answer.
/// </summary>
public sealed class CrashTests
{
    [Theory]
    [InlineData("postgres")]
    [InlineData("redis")]
    public async Task A_crash_between_commit_and_storing_the_response_gives_409_until_the_lease_ends_then_a_rerun_that_places_nothing_twice(string kind)
    {
        await using var store = await TestStore.CreateAsync(kind);
        var postgres = await TestServices.PostgresAsync();
        var token = Guid.NewGuid().ToString("N");
        var key = "crash-" + token;
        var orders = new Orders(postgres, store.Table);
        await orders.CreateTableAsync();
        var dead = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        orders.HangNextCommitUntil(dead.Task);

        // PostgreSQL leases follow the app's clock (faked here); Redis leases are Redis TTLs, so that test waits for Redis to expire the claim.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var lease = kind == "redis" ? TimeSpan.FromSeconds(5) : TimeSpan.FromMinutes(1);
        await using var first = await StartAsync(store, orders, token, postgres, lease, time);
        await using var second = await StartAsync(store, orders, token, postgres, lease, time);
        var expired = kind == "redis" ? await store.ExpiryAsync() : null;

        var lost = first.PostAsync("/orders", key);
        await orders.Committed.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var during = await second.PostAsync("/orders", key);
        if (expired is null)
        {
            time.Advance(lease + TimeSpan.FromSeconds(1));
        }
        else
        {
            await expired.WaitAsync(TimeSpan.FromSeconds(30));
        }

        var rerun = await second.PostAsync("/orders", key);
        var replay = await second.PostAsync("/orders", key);

        // The "dead" process resumes: its answer reaches its client, but the stored one stays the rerun's.
        dead.SetResult();
        var late = await lost;
        var afterwards = await first.PostAsync("/orders", key);

        Assert.Equal(HttpStatusCode.Conflict, during.Status);
        Assert.Equal(HttpStatusCode.Created, rerun.Status);
        Assert.False(rerun.Replayed);
        Assert.True(replay.Replayed);
        Assert.Equal(rerun.Body, replay.Body);
        Assert.Equal(HttpStatusCode.Created, late.Status);
        Assert.Equal(rerun.Body, late.Body);
        Assert.True(afterwards.Replayed);
        Assert.Equal(rerun.Body, afterwards.Body);
        Assert.Equal(1, await orders.CountAsync());
        Assert.Equal(1, orders.EventsRecorded);
    }

    private static Task<TestApp> StartAsync(TestStore store, Orders orders, string token, string postgres, TimeSpan lease, TimeProvider time) =>
        TestApp.StartAsync(
            store,
            web => web.MapPost("/orders", (HttpContext http, IOutbox outbox) => orders.PlaceAsync(http, outbox, token)).WithIdempotency(),
            options => options.ClaimLease = lease,
            builder =>
            {
                builder.Services.AddSingleton(time);
                builder.Services.AddEventing(events => events
                    .AddEvent<OrderPlaced>()
                    .AddOutbox(outbox => outbox.UsePostgreSql(postgres).Configure(o => o.TableName = store.Table + "_outbox"))
                    .UseLocal());
            });
}
