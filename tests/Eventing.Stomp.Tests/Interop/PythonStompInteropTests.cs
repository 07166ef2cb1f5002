using System.Text;
using System.Text.Json;
using Eventing.Stomp.Tests.Integration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static Eventing.Stomp.Tests.Integration.StompTestSupport;

namespace Eventing.Stomp.Tests.Interop;

[Event("stomp.interop.order", Durable = true)]
public sealed record InteropOrder(int OrderId, string Customer);

/// <summary>Interop with a STOMP peer we did not write: Debian's python3-stomp (stomp.py 8).</summary>
public class PythonStompInteropTests
{
    public static TheoryData<string> Brokers => new() { "activemq", "rabbitmq" };

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Theory]
    [MemberData(nameof(Brokers))]
    public async Task Stomp_py_receives_our_event_with_body_and_every_header(string broker)
    {
        await using var provider = await StartProviderAsync(broker);
        var @event = new EventDescriptor(UniqueEvent("py-in"), durable: true);
        var spec = provider.Topology.Subscription(Listener(@event, "python"));
        var uri = await TestBrokers.StompUriAsync(broker);
        await using var python = PythonStomp.Start("stomp_receive.py", uri, "/", spec.Destination, PythonStomp.Json(spec.Headers), "1", "30");
        Assert.Equal("READY", await python.ReadLineAsync(Timeout));

        var sent = NewEnvelope(@event.Name, "{\"orderId\":7,\"customer\":\"Zoë\"}");
        await provider.SendAsync(sent, @event, CancellationToken.None);

        using var message = JsonDocument.Parse(await python.ReadLineAsync(Timeout));
        var headers = message.RootElement.GetProperty("headers");
        Assert.Equal(sent.Body.ToArray(), message.RootElement.GetProperty("body").GetBytesFromBase64());
        // The content type and correlation id travel in their native headers only; every other attribute as ce_.
        foreach (var attribute in sent.GetAttributes())
        {
            if (attribute.Key is "datacontenttype" or "correlationid")
            {
                Assert.False(headers.TryGetProperty("ce_" + attribute.Key, out _), $"ce_{attribute.Key} repeats a native header");
            }
            else
            {
                Assert.Equal(attribute.Value, headers.GetProperty("ce_" + attribute.Key).GetString());
            }
        }

        Assert.Equal("application/json", headers.GetProperty("content-type").GetString());
        Assert.Equal(sent.CorrelationId, headers.GetProperty("correlation-id").GetString());
        Assert.Equal("true", headers.GetProperty("persistent").GetString());
        await python.WaitForExitAsync(Timeout);
    }

    [Theory]
    [MemberData(nameof(Brokers))]
    public async Task Our_listener_receives_an_event_stomp_py_sent_in_the_wire_format(string broker)
    {
        var uri = await TestBrokers.StompUriAsync(broker);
        var received = new TaskCompletionSource<(InteropOrder Order, EventContext Context)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddEventing(events => events.AddEvent<InteropOrder>().UseStomp(stomp => stomp.Uri = uri));
        using var host = builder.Build();
        await host.StartAsync();
        var events = host.Services.GetRequiredService<IEventManager>();
        await using (await events.SubscribeAsync<InteropOrder>("python-" + Guid.NewGuid().ToString("N")[..8], (order, context, _) =>
        {
            received.TrySetResult((order, context));
            return default;
        }))
        {
            var destination = broker == "rabbitmq" ? "/topic/stomp.interop.order" : "/topic/VirtualTopic.stomp.interop.order";
            var id = Guid.NewGuid().ToString();
            var headers = new Dictionary<string, string>
            {
                ["ce_specversion"] = "1.0",
                ["ce_id"] = id,
                ["ce_type"] = "stomp.interop.order",
                ["ce_source"] = "/python/stomp.py",
                ["ce_time"] = "2026-11-25T10:11:12.5Z",
                ["ce_tenant"] = "acme",
                ["content-type"] = "application/json",
                ["correlation-id"] = "py-corr",
                ["persistent"] = "true",
            };
            await using var python = PythonStomp.Start("stomp_send.py", uri, "/", destination, PythonStomp.Json(headers), "{\"orderId\":42,\"customer\":\"Ω\"}");
            await python.WaitForExitAsync(Timeout);

            var (order, context) = await received.Task.WaitAsync(Timeout);
            Assert.Equal(new InteropOrder(42, "Ω"), order);
            Assert.Equal(id, context.MessageId);
            Assert.Equal("/python/stomp.py", context.Envelope.Source);
            Assert.Equal(new DateTimeOffset(2026, 11, 25, 10, 11, 12, 500, TimeSpan.Zero), context.Envelope.Time);
            Assert.Equal("acme", context.Headers["tenant"]);
            Assert.Equal("py-corr", context.Envelope.CorrelationId);
        }

        await host.StopAsync();
    }
}
