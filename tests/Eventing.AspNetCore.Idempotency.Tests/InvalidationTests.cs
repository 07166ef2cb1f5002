using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Eventing.AspNetCore.Idempotency.Tests;

public sealed class ShopOrder
{
    public int Id { get; set; }

    public int Lines { get; set; }

    public string Status { get; set; } = "open";
}

public sealed class ShopDb(DbContextOptions<ShopDb> options) : DbContext(options)
{
    public DbSet<ShopOrder> Orders => Set<ShopOrder>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<ShopOrder>().Property(order => order.Id).ValueGeneratedNever();
}

/// <summary>
/// Invalidation by affected resources with EF Core: a later request with another key that changes an entity the
/// first request changed makes the first key's stored answer invalid, and its retry gets 410.
/// </summary>
public sealed class InvalidationTests
{
    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task A_later_change_to_the_same_entity_invalidates_the_stored_response_and_its_retry_gets_410_while_other_keys_replay(string kind)
    {
        await using var store = await TestStore.CreateAsync(kind);
        await using var app = await StartShopAsync(store);

        var addLine = await app.PostAsync("/orders/1/lines", "add-line-1");
        var otherOrder = await app.PostAsync("/orders/2/lines", "add-line-2");
        Assert.True((await app.PostAsync("/orders/1/lines", "add-line-1")).Replayed);

        // Another key changes order 1: the first answer ("1 line, open") is no longer what order 1 is.
        var close = await app.SendAsync(Put("/orders/1", "close-1"));
        var retry = await app.PostAsync("/orders/1/lines", "add-line-1");
        var reused = await app.PostAsync("/orders/1/lines", "add-line-1", """{"other":"body"}""");
        var otherRetry = await app.PostAsync("/orders/2/lines", "add-line-2");

        Assert.Equal(HttpStatusCode.OK, addLine.Status);
        Assert.Equal(HttpStatusCode.OK, close.Status);
        Assert.Equal(HttpStatusCode.Gone, retry.Status);
        Assert.Equal("application/problem+json", retry.Header("Content-Type"));
        using (var problem = JsonDocument.Parse(retry.Body))
        {
            Assert.Equal(410, problem.RootElement.GetProperty("status").GetInt32());
        }

        Assert.Equal(HttpStatusCode.UnprocessableEntity, reused.Status);
        Assert.True(otherRetry.Replayed);
        Assert.Equal(otherOrder.Body, otherRetry.Body);

        // Not run again: order 1 still has its one line.
        await using var scope = app.Services.CreateAsyncScope();
        var order = await scope.ServiceProvider.GetRequiredService<ShopDb>().Orders.SingleAsync(o => o.Id == 1);
        Assert.Equal((1, "closed"), (order.Lines, order.Status));
    }

    [Fact]
    public async Task A_change_by_a_request_without_a_key_invalidates_too()
    {
        await using var store = await TestStore.CreateAsync("postgres");
        await using var app = await StartShopAsync(store);

        await app.PostAsync("/orders/7/lines", "add-line-7");
        var close = await app.SendAsync(Put("/orders/7", key: null));
        var retry = await app.PostAsync("/orders/7/lines", "add-line-7");

        Assert.Equal(HttpStatusCode.OK, close.Status);
        Assert.Equal(HttpStatusCode.Gone, retry.Status);
    }

    private static HttpRequestMessage Put(string path, string? key)
    {
        var request = TestApp.Post(path, key);
        request.Method = HttpMethod.Put;
        return request;
    }

    private static async Task<TestApp> StartShopAsync(TestStore store)
    {
        var app = await TestApp.StartAsync(
            store,
            web =>
            {
                web.MapPost("/orders/{id:int}/lines", async (int id, ShopDb db, CancellationToken ct) =>
                {
                    var order = await db.Orders.FindAsync([id], ct);
                    if (order is null)
                    {
                        order = new ShopOrder { Id = id };
                        db.Orders.Add(order);
                    }

                    order.Lines++;
                    await db.SaveChangesAsync(ct);
                    return Results.Ok(new { order.Id, order.Lines, order.Status });
                }).WithIdempotency();
                web.MapPut("/orders/{id:int}", async (int id, ShopDb db, CancellationToken ct) =>
                {
                    var order = await db.Orders.SingleAsync(o => o.Id == id, ct);
                    order.Status = "closed";
                    await db.SaveChangesAsync(ct);
                    return Results.Ok(new { order.Id, order.Lines, order.Status });
                }).WithIdempotency(endpoint => endpoint.Required = false);
            },
            services: builder =>
            {
                builder.Services.AddHttpContextAccessor();
                builder.Services.AddDbContext<ShopDb>((services, db) => db.UseSqlite(store.DataConnectionString).TrackAffectedResources(services));
            });
        await using var scope = app.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<ShopDb>().Database.EnsureCreatedAsync();
        return app;
    }
}
