using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace Eventing.AspNetCore.Idempotency.Tests;

public sealed record PlaceOrder(string Item);

[ApiController]
[Route("mvc/orders")]
public sealed class OrdersController(Probe probe) : ControllerBase
{
    [HttpPost]
    [Idempotent]
    public async Task<IActionResult> Place(PlaceOrder command) =>
        CreatedAtAction(nameof(Get), new { id = 1 }, new { command.Item, run = await probe.RunAsync(), id = Guid.NewGuid() });

    [HttpPost("failing")]
    [Idempotent]
    public async Task<IActionResult> Fail(PlaceOrder command)
    {
        await probe.RunAsync();
        throw new InvalidOperationException("action failed for " + command.Item);
    }

    [HttpGet("{id:int}")]
    public IActionResult Get(int id) => Ok(new { id });
}

/// <summary>[Idempotent] on an MVC action: the same contract as the minimal-API filter.</summary>
public sealed class MvcTests
{
    [Fact]
    public async Task An_Idempotent_action_replays_its_answer_rejects_another_body_and_does_not_store_exceptions()
    {
        await using var store = await TestStore.CreateAsync("redis");
        var probe = new Probe();
        await using var app = await TestApp.StartAsync(
            store,
            web => web.MapControllers(),
            services: builder =>
            {
                builder.Services.AddSingleton(probe);
                builder.Services.AddControllers().AddApplicationPart(typeof(OrdersController).Assembly);
            });

        var first = await app.PostAsync("/mvc/orders", "mvc-1", """{"item":"book"}""");
        var retry = await app.PostAsync("/mvc/orders", "mvc-1", """{"item":"book"}""");
        var other = await app.PostAsync("/mvc/orders", "mvc-1", """{"item":"car"}""");
        var missing = await app.PostAsync("/mvc/orders", key: null, """{"item":"book"}""");

        Assert.Equal(HttpStatusCode.Created, first.Status);
        Assert.True(retry.Replayed);
        Assert.Equal(first.Body, retry.Body);
        Assert.Equal(first.Header("Location"), retry.Header("Location"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, other.Status);
        Assert.Equal(HttpStatusCode.BadRequest, missing.Status);
        Assert.Equal(1, probe.Runs);

        Assert.Equal(HttpStatusCode.InternalServerError, (await app.PostAsync("/mvc/orders/failing", "mvc-2", """{"item":"x"}""")).Status);
        Assert.Equal(HttpStatusCode.InternalServerError, (await app.PostAsync("/mvc/orders/failing", "mvc-2", """{"item":"x"}""")).Status);
        Assert.Equal(3, probe.Runs);
    }
}
