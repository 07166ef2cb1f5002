using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Eventing.Observability.Tests;

/// <summary>
/// One order across two processes, two broker protocols and the outbox: the HTTP request of the orders service
/// records OrderPlaced (outbox, SQLite), which is sent over RabbitMQ to the shipping service (another process), whose
/// listener sends OrderShipped over STOMP back to a listener here. Every hop must continue the same trace.
/// </summary>
public sealed class CrossServiceTraceTests
{
    // Generous for a loaded CI machine: two buses and a child process start, then four broker hops.
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task An_order_is_one_trace_from_the_http_request_through_the_outbox_rabbitmq_another_process_and_stomp()
    {
        var deadline = Stopwatch.StartNew();
        TimeSpan Remaining() => Timeout - deadline.Elapsed is var left && left > TimeSpan.Zero ? left : TimeSpan.Zero;

        await TestBrokers.EnsureReachableAsync(TimeSpan.FromSeconds(10));
        var run = Guid.NewGuid().ToString("N")[..12];
        var placed = $"observability.{run}.order-placed";
        var shipped = $"observability.{run}.order-shipped";

        var exported = new List<Activity>();
        var signal = new SpanSignal();
        using var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(EventingDiagnostics.ActivitySourceName)
            .AddAspNetCoreInstrumentation()
            .AddInMemoryExporter(exported)
            .AddProcessor(signal)
            .Build();
        var requestEnded = signal.WhenEnded(span => span.Kind == ActivityKind.Server && Equals(span.GetTagItem("url.path"), "/orders/1"));
        var finalProcessEnded = signal.WhenEnded(span => span.DisplayName == "process " + shipped);

        await using var shipping = await ShippingProcess.StartAsync(TestBrokers.RabbitMq, TestBrokers.Stomp, placed, shipped, "shipping-" + run, Remaining());
        using var notifications = await StartStompHostAsync(shipped);
        var received = new TaskCompletionSource<OrderShipped>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var listener = await notifications.Services.GetRequiredService<IEventManager>().SubscribeAsync<OrderShipped>(
            "notifications-" + run,
            (order, _, _) =>
            {
                received.TrySetResult(order);
                return default;
            });
        await using var orders = await OrdersApp.StartAsync(TestBrokers.RabbitMq, placed, run);

        using (var client = new HttpClient { BaseAddress = orders.Address })
        using (var response = await client.PostAsync(new Uri("/orders/1", UriKind.Relative), content: null).WaitAsync(Remaining()))
        {
            Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        }

        Assert.Equal(new OrderShipped(run, 1), await WaitAsync(received.Task, "OrderShipped was not received over STOMP", Remaining()));
        var request = await WaitAsync(requestEnded, "the HTTP server span of POST /orders/1 did not end", Remaining());
        await WaitAsync(finalProcessEnded, $"the span \"process {shipped}\" did not end", Remaining());
        var childProcess = await shipping.WaitForSpanAsync("process " + placed, Remaining());
        var childSend = await shipping.WaitForSpanAsync("send " + shipped, Remaining());

        // Everything in this trace, from both processes: the trace id of the request must reach every hop.
        var traceId = request.TraceId.ToHexString();
        var spans = exported.ToArray().Select(ExportedSpan.From).Concat(shipping.Spans).Where(span => span.TraceId == traceId).ToList();
        var server = Assert.Single(spans, span => span.Kind == nameof(ActivityKind.Server));
        var create = Assert.Single(spans, span => span.Name == "create " + placed);
        var send = Assert.Single(spans, span => span.Name == "send " + placed);
        Assert.Equal(traceId, childProcess.TraceId);
        Assert.Equal(traceId, childSend.TraceId);
        var final = Assert.Single(spans, span => span.Name == "process " + shipped);

        // request -> create (in the request) -> send (outbox, continuing the context recorded in the row)
        // -> process (shipping service) -> send (in its handler) -> process (here).
        AssertChild(server, create, nameof(ActivityKind.Producer));
        AssertChild(create, send, nameof(ActivityKind.Producer));
        AssertChild(send, childProcess, nameof(ActivityKind.Consumer));
        AssertChild(childProcess, childSend, nameof(ActivityKind.Producer));
        AssertChild(childSend, final, nameof(ActivityKind.Consumer));

        // A process span also links to the send it came from, as the messaging conventions ask.
        Assert.Contains(new ExportedLink(traceId, send.SpanId), childProcess.Links);
        Assert.Contains(new ExportedLink(traceId, childSend.SpanId), final.Links);
        Assert.Equal(6, spans.Count);
    }

    private static void AssertChild(ExportedSpan parent, ExportedSpan child, string kind)
    {
        Assert.True(
            child.ParentSpanId == parent.SpanId,
            $"\"{child.Name}\" should be a child of \"{parent.Name}\" ({parent.SpanId}), but its parent is {child.ParentSpanId ?? "none"}");
        Assert.Equal(kind, child.Kind);
    }

    private static async Task<T> WaitAsync<T>(Task<T> task, string failure, TimeSpan timeout)
    {
        try
        {
            return await task.WaitAsync(timeout);
        }
        catch (TimeoutException exception)
        {
            throw new TimeoutException($"{failure} within the test's {Timeout.TotalSeconds:0} s.", exception);
        }
    }

    private static async Task<IHost> StartStompHostAsync(string shipped)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddEventing(events => events.AddEvent<OrderShipped>(shipped).UseStomp(stomp => stomp.Uri = TestBrokers.Stomp));
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }
}
