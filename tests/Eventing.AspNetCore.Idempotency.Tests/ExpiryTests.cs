using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Eventing.AspNetCore.Idempotency.Tests;

/// <summary>A stored response is replayed within its window only; after it the key is new again.</summary>
public sealed class ExpiryTests
{
    [Theory]
    [MemberData(nameof(TestStore.Sql), MemberType = typeof(TestStore))]
    public async Task After_the_window_a_SQL_store_runs_the_key_again_and_cleanup_deletes_the_expired_rows(string kind)
    {
        await using var store = await TestStore.CreateAsync(kind);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var probe = new Probe();
        await using var app = await TestApp.StartAsync(
            store,
            web => web.MapPost("/orders", async () => new { run = await probe.RunAsync() }).WithIdempotency(endpoint => endpoint.Window = TimeSpan.FromMinutes(10)),
            // No background cleanup during the test: the purge below is called by hand.
            options => options.CleanupInterval = TimeSpan.FromDays(30),
            services: builder => builder.Services.AddSingleton<TimeProvider>(time));

        await app.PostAsync("/orders", "ages");
        time.Advance(TimeSpan.FromMinutes(9));
        var within = await app.PostAsync("/orders", "ages");
        time.Advance(TimeSpan.FromMinutes(2));
        var after = await app.PostAsync("/orders", "ages");

        Assert.True(within.Replayed);
        Assert.False(after.Replayed);
        Assert.Equal(2, probe.Runs);

        var purged = await app.Services.GetRequiredService<Storage.IHttpResponseStore>().PurgeExpiredAsync(CancellationToken.None);
        Assert.Equal(0, purged);
        time.Advance(TimeSpan.FromMinutes(11));
        purged = await app.Services.GetRequiredService<Storage.IHttpResponseStore>().PurgeExpiredAsync(CancellationToken.None);
        Assert.Equal(1, purged);
    }

    [Fact]
    public async Task After_the_window_Redis_expires_the_key_and_it_runs_again()
    {
        await using var store = await TestStore.CreateAsync("redis");
        var expired = await store.ExpiryAsync();
        var probe = new Probe();
        await using var app = await TestApp.StartAsync(store, web =>
            web.MapPost("/orders", async () => new { run = await probe.RunAsync() }).WithIdempotency(endpoint => endpoint.Window = TimeSpan.FromMilliseconds(300)));

        await app.PostAsync("/orders", "ages");
        await expired.WaitAsync(TimeSpan.FromSeconds(30));
        var after = await app.PostAsync("/orders", "ages");

        Assert.Equal(HttpStatusCode.OK, after.Status);
        Assert.False(after.Replayed);
        Assert.Equal(2, probe.Runs);
    }
}
