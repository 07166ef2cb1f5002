// A listener process for the fault suite. It prints "ready" once subscribed, then one line per handled event
// ("seq <n>") before the event is acknowledged, so the parent test can count deliveries and kill it mid-stream.
//
//   Eventing.Conformance.Consumer --provider rabbitmq|stomp|amqp --uri URI [--queue-type classic|quorum]
//       [--provisioning-uri AMQP-0-9-1-URI] --listener NAME --run RUN
//       [--delayed-retry SECONDS [--fail-until-delayed true] [--freeze-after-delayed-copy true]]
//
// With --delayed-retry the listener of DelayedCopyEvent has one attempt, then one delayed retry of that many seconds;
// it prints "handled <seq> <delayed retries so far>" for each event it handles. --fail-until-delayed makes it fail
// every delivery that is not a delayed copy. --freeze-after-delayed-copy stops the process in its tracks once the
// broker confirmed a delayed copy, before the original is acknowledged: it prints "delayed-copy <id>" and blocks,
// so the parent can kill it at exactly that point.
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
var output = Console.Out;
TimeSpan? delayedRetry = options.TryGetValue("delayed-retry", out var seconds)
    ? TimeSpan.FromSeconds(double.Parse(seconds, System.Globalization.CultureInfo.InvariantCulture))
    : null;
if (options.GetValueOrDefault("freeze-after-delayed-copy") == "true")
{
    builder.Logging.AddProvider(new FreezeAfterDelayedCopy(output));
}

builder.Services.AddEventing(events =>
{
    events.Configure(o => o.DefaultRetry = delayedRetry is { } delay
        ? new RetryPolicy(1, TimeSpan.Zero, TimeSpan.Zero) { Delayed = [delay] }
        : new RetryPolicy(1, TimeSpan.Zero, TimeSpan.Zero));
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
await using var delayedSubscription = delayedRetry is null ? null : await bus.SubscribeAsync<DelayedCopyEvent>(Option("listener"), (e, context, _) =>
{
    if (e.Run != run)
    {
        return default;
    }

    var retries = context.Headers.TryGetValue("delayedretries", out var value) ? value : "0";
    if (retries == "0" && options.GetValueOrDefault("fail-until-delayed") == "true")
    {
        throw new InvalidOperationException("fails until its delayed retry");
    }

    output.WriteLine($"handled {e.Seq} {retries}");
    return default;
});
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

/// <summary>The delayed-copy kill test's event; the same name as the event the test sends.</summary>
[Event("conformance.faults.delayed-copy", Durable = true)]
internal sealed record DelayedCopyEvent(string Run, int Seq);

/// <summary>
/// Blocks the thread that logs "delayed retry" (event id 1027): the core logs it once the provider confirmed the
/// delayed copy and before it acknowledges the original, so the process freezes between the two.
/// </summary>
internal sealed class FreezeAfterDelayedCopy(TextWriter output) : ILoggerProvider, ILogger
{
    private const int DelayedRetry = 1027;

    public ILogger CreateLogger(string categoryName) => this;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (eventId.Id != DelayedRetry)
        {
            return;
        }

        output.WriteLine("delayed-copy " + formatter(state, exception));
        output.Flush();
        Thread.Sleep(Timeout.Infinite);
    }

    public void Dispose()
    {
    }
}
