// The shipping service: listens for OrderPlaced on RabbitMQ (AMQP 0-9-1) and, in its handler, sends OrderShipped
// over STOMP; its spans go to standard output as `span {json}` lines (JsonLineSpanExporter).
//
//   dotnet Eventing.Observability.Shipping.dll --rabbitmq URI --stomp URI --placed EVENT --shipped EVENT --listener NAME
//
// Prints `ready` once its listener has subscribed; runs until standard input closes (the test ends) or it is killed.
using Eventing;
using Eventing.Observability;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Trace;

var options = ShippingArguments.Parse(args);

// Before the buses start, so the first delivery is already sampled. A simple processor exports each span as it
// ends: the test waits for the lines, not for a batch timer.
using var tracing = Sdk.CreateTracerProviderBuilder()
    .AddSource(EventingDiagnostics.ActivitySourceName)
    .AddProcessor(new SimpleActivityExportProcessor(new JsonLineSpanExporter(Console.Out)))
    .Build();

// Two buses in one process, one per broker protocol: Eventing has one provider per bus.
using var stompHost = BuildHost(events => events.AddEvent<OrderShipped>(options.Shipped).UseStomp(stomp => stomp.Uri = options.Stomp));
using var rabbitHost = BuildHost(events => events.AddEvent<OrderPlaced>(options.Placed, durable: true).UseRabbitMq(rabbit => rabbit.Uri = options.RabbitMq));
await stompHost.StartAsync();
await rabbitHost.StartAsync();

var shipping = stompHost.Services.GetRequiredService<IEventManager>();
await using (await rabbitHost.Services.GetRequiredService<IEventManager>().SubscribeAsync<OrderPlaced>(
    options.Listener,
    (placed, _, cancellationToken) => shipping.SendAsync(new OrderShipped(placed.Run, placed.OrderId), cancellationToken: cancellationToken)))
{
    Console.WriteLine("ready");
    await Console.In.ReadToEndAsync();
}

await rabbitHost.StopAsync();
await stompHost.StopAsync();
return 0;

static IHost BuildHost(Action<EventingBuilder> configure)
{
    var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
    builder.Services.AddEventing(configure);
    return builder.Build();
}
