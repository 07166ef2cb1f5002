using System.Net;
using Eventing.Outbox;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Eventing.AspNetCore.Idempotency.Tests;

/// <summary>
/// End to end over real HTTP, a real PostgreSQL outbox and real RabbitMQ: ten retries of one POST place one order,
/// leave one outbox row (sent and deleted) and one event on the broker, and all get the same answer.
/// </summary>
public sealed class PublishOnceTests
{
    [Theory]
    [InlineData("postgres")]
    [InlineData("redis")]
    public async Task Ten_retries_of_one_POST_place_one_order_and_publish_one_event(string kind)
    {
        await using var store = await TestStore.CreateAsync(kind);
        var postgres = await TestServices.PostgresAsync();
        var broker = await TestServices.RabbitMqAsync();
        var token = Guid.NewGuid().ToString("N");
        var orders = new Orders(postgres, store.Table);
        await orders.CreateTableAsync();

        // The listener is another process on the broker: a bus of its own with a queue per process.
        var received = new Received();
        var listener = new ServiceCollection();
        listener.AddEventing(events => events.AddEvent<OrderPlaced>().UseRabbitMq(rabbit => rabbit.Uri = broker));
        await using var listenerServices = listener.BuildServiceProvider();
        await using var subscription = await listenerServices.GetRequiredService<IEventManager>()
            .SubscribeAsync<OrderPlaced>("aspnet-idempotency-" + token[..8], received.HandleAsync, perProcess: true);

        await using var app = await TestApp.StartAsync(
            store,
            web => web.MapPost("/orders", (HttpContext http, IOutbox outbox) => orders.PlaceAsync(http, outbox, token)).WithIdempotency(),
            options => options.ConcurrentRequests = ConcurrentRequestHandling.Wait,
            builder => builder.Services.AddEventing(events => events
                .AddEvent<OrderPlaced>()
                .AddOutbox(outbox => outbox.UsePostgreSql(postgres).Configure(o => o.TableName = store.Table + "_outbox"))
                .UseRabbitMq(rabbit => rabbit.Uri = broker)));

        // Five at once (a client and its impatient retries), then five one after another.
        var answers = new List<Answer>(await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => app.PostAsync("/orders", "place-" + token))));
        for (var i = 0; i < 5; i++)
        {
            answers.Add(await app.PostAsync("/orders", "place-" + token));
        }

        Assert.All(answers, answer => Assert.Equal(HttpStatusCode.Created, answer.Status));
        Assert.All(answers, answer => Assert.Equal(answers[0].Body, answer.Body));
        Assert.Equal(9, answers.Count(answer => answer.Replayed));
        Assert.Equal(1, await orders.CountAsync());
        Assert.Equal(1, orders.EventsRecorded);

        // A fence after the ten: once it is in, a second order event would have been too.
        await received.WaitForAsync(token);
        await app.Services.GetRequiredService<IEventManager>().SendAsync(new OrderPlaced(0, "fence-" + token));
        await received.WaitForAsync("fence-" + token);
        Assert.Equal(1, received.Count(token));
        var flushed = await app.Services.GetRequiredService<OutboxFlusher>().FlushAsync();
        Assert.Equal((0, 0), (flushed.Sent, flushed.Failed));
    }
}
