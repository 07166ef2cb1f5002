// Quickstart: two "processes" (two hosts sharing one in-process broker) run the same listeners.
// The two "billing" instances compete for orders; the per-process "dashboard" listener in process A
// sees all of them. No broker is needed: swap UseLocal(...) for UseRabbitMq(...) to go distributed.
using Eventing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Quickstart;

const int orders = 10;
var broker = new LocalBroker();
var tally = new Tally { Expected = orders * 2 };

IHost CreateProcess(string name, bool withDashboard)
{
    var builder = Host.CreateApplicationBuilder();
    builder.Logging.SetMinimumLevel(LogLevel.Warning);
    builder.Services.AddSingleton(tally);
    builder.Services.AddEventing(events =>
    {
        events.Configure(options => options.ProcessId = name).AddListener<Billing>();
        if (withDashboard)
        {
            events.AddListener<Dashboard>();
        }

        events.UseLocal(local => local.Broker = broker);
    });
    return builder.Build();
}

using var processA = CreateProcess("A", withDashboard: true);
using var processB = CreateProcess("B", withDashboard: false);
await processA.StartAsync();
await processB.StartAsync();

var events = processA.Services.GetRequiredService<IEventManager>();
for (var number = 1; number <= orders; number++)
{
    await events.SendAsync(new OrderPlaced(number, 10m * number));
}

await tally.Done.WaitAsync(TimeSpan.FromSeconds(30));
await processA.StopAsync();
await processB.StopAsync();

Console.WriteLine($"Sent {orders} orders.");
foreach (var (listener, received) in tally.Received)
{
    Console.WriteLine($"  {listener,-16} got {received.Count,2}: {string.Join(' ', received.Order())}");
}

var billing = tally.Received.Where(entry => entry.Key.StartsWith("billing", StringComparison.Ordinal)).Sum(entry => entry.Value.Count);
Console.WriteLine($"The billing instances shared the work ({billing} in total); the dashboard saw every order.");
return billing == orders ? 0 : 1;
