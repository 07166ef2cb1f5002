// A listener process for the fault suite. It prints "ready" once subscribed, then one line per handled event
// ("seq <n>") before the event is acknowledged, so the parent test can count deliveries and kill it mid-stream.
//
//   Eventing.Conformance.Consumer --provider rabbitmq|stomp|amqp --uri URI [--queue-type classic|quorum]
//       [--provisioning-uri AMQP-0-9-1-URI] --listener NAME --run RUN
using Eventing;
using Eventing.Amqp;
using Eventing.RabbitMq;
using Eventing.Stomp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i + 1 < args.Length; i += 2)
{
    options[args[i].TrimStart('-')] = args[i + 1];
}

string Option(string name) => options.TryGetValue(name, out var value) ? value : throw new ArgumentException($"--{name} is required");

var run = Option("run");
var uri = new Uri(Option("uri"));
var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
builder.Logging.AddFilter("Microsoft", LogLevel.None);
builder.Services.AddEventing(events =>
{
    events.Configure(o => o.DefaultRetry = new RetryPolicy(1, TimeSpan.Zero, TimeSpan.Zero));
    switch (Option("provider"))
    {
        case "rabbitmq":
            events.UseRabbitMq(rabbit =>
            {
                rabbit.Uri = uri;
                rabbit.QueueType = options.GetValueOrDefault("queue-type") == "quorum" ? RabbitMqQueueType.Quorum : RabbitMqQueueType.Classic;
            });
            break;
        case "stomp":
            events.UseStomp(stomp => stomp.Uri = uri);
            break;
        case "amqp":
            events.UseAmqp(amqp =>
            {
                amqp.Uri = uri;
                amqp.UseRabbitMqProvisioning(rabbit => rabbit.Uri = new Uri(Option("provisioning-uri")));
            });
            break;
        default:
            throw new ArgumentException("--provider must be rabbitmq, stomp or amqp");
    }
});

using var host = builder.Build();
await host.StartAsync();
var bus = host.Services.GetRequiredService<IEventManager>();
var output = Console.Out;
await using var subscription = await bus.SubscribeAsync<KilledConsumerEvent>(Option("listener"), (e, _, _) =>
{
    if (e.Run == run)
    {
        // Written before the handler returns, so before the ack: a kill between the two only causes a duplicate.
        output.WriteLine("seq " + e.Seq);
    }

    return default;
});
output.WriteLine("ready");
await host.WaitForShutdownAsync();

/// <summary>The fault suite's consumer-kill stream; the same name as the event the test sends.</summary>
[Event("conformance.faults.killed-consumer", Durable = true)]
internal sealed record KilledConsumerEvent(string Run, int Seq);
