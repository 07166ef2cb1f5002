using System.Text.Json;
using System.Text.Json.Serialization;

namespace Eventing.Tests;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(OrderPlaced))]
internal sealed partial class SnakeCaseContext : JsonSerializerContext;

public sealed class SerializationTests
{
    [Fact]
    public async Task A_source_generated_JsonSerializerContext_serializes_events()
    {
        await using var host = await TestHost.StartAsync(events => events.UseJson(SnakeCaseContext.Default));
        var received = new TaskCompletionSource<(OrderPlaced Event, string Body)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscription = await host.Events.SubscribeAsync<OrderPlaced>("source-generated", (e, context, _) =>
        {
            received.TrySetResult((e, System.Text.Encoding.UTF8.GetString(context.Envelope.Body.Span)));
            return default;
        });

        await host.Events.SendAsync(new OrderPlaced(3, "gen"));
        var (@event, body) = await received.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(new OrderPlaced(3, "gen"), @event);
        Assert.Equal("{\"number\":3,\"customer\":\"gen\"}", body);
    }

    [Fact]
    public async Task Users_can_pass_their_own_JsonSerializerOptions()
    {
        var options = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.KebabCaseUpper };
        await using var host = await TestHost.StartAsync(events => events.UseJson(options));
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscription = await host.Events.SubscribeAsync<OrderPlaced>("custom-options", (_, context, _) =>
        {
            received.TrySetResult(System.Text.Encoding.UTF8.GetString(context.Envelope.Body.Span));
            return default;
        });

        await host.Events.SendAsync(new OrderPlaced(4, "opt"));
        Assert.Equal("{\"NUMBER\":4,\"CUSTOMER\":\"opt\"}", await received.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }
}
