using System.Threading.Channels;
using Eventing.Local;
using Eventing.Providers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Eventing.Tests;

public sealed class HealthCheckTests
{
    [Fact]
    public async Task A_started_bus_on_the_local_provider_is_healthy_and_names_its_provider()
    {
        await using var host = await TestHost.StartAsync(events => events.AddEvent<Ping>("health.ping"), services => services.AddHealthChecks().AddEventing());
        await using var subscription = await host.Events.SubscribeAsync<Ping>("healthy", (_, _, _) => default);

        var entry = (await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Entries["eventing"];

        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Equal("local", entry.Data["provider"]);
        Assert.Equal(true, entry.Data["connected"]);
    }

    [Fact]
    public async Task A_receive_loop_that_ended_without_being_stopped_makes_the_check_unhealthy_naming_the_listener()
    {
        var provider = new DeafProvider(new LocalProvider(new LocalBroker()));
        await using var host = await TestHost.StartAsync(events => events.AddEvent<Ping>("health.deaf"), services => services.AddHealthChecks().AddEventing(), provider: provider);
        await using var subscription = await host.Events.SubscribeAsync<Ping>("deaf", (_, _, _) => default);
        var health = host.Services.GetRequiredService<HealthCheckService>();

        // The loop ends as soon as it sees the completed deliveries; the check then tells, whatever the connection says.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        HealthReportEntry entry;
        while ((entry = (await health.CheckHealthAsync()).Entries["eventing"]).Status != HealthStatus.Unhealthy)
        {
            Assert.True(DateTime.UtcNow < deadline, $"Still {entry.Status}: {entry.Description}");
            await Task.Delay(50);
        }

        Assert.Contains("listener deaf", entry.Description, StringComparison.Ordinal);
        Assert.Contains("health.deaf::deaf", (string)entry.Data["listener.deaf"], StringComparison.Ordinal);
    }

    private sealed record Ping(int Seq);

    /// <summary>The local provider, except that every subscription's deliveries are complete at once, as a broken provider's would be.</summary>
    private sealed class DeafProvider(IProvider inner) : ForwardingProvider(inner)
    {
        public override async Task<IProviderSubscription> SubscribeAsync(ListenerDescriptor listener, CancellationToken cancellationToken) =>
            new Ended(await base.SubscribeAsync(listener, cancellationToken));

        private sealed class Ended : IProviderSubscription
        {
            private readonly IProviderSubscription _inner;
            private readonly Channel<Delivery> _none = Channel.CreateUnbounded<Delivery>();

            public Ended(IProviderSubscription inner)
            {
                _inner = inner;
                _none.Writer.Complete();
            }

            public ChannelReader<Delivery> Deliveries => _none.Reader;

            public Task StopReceivingAsync(CancellationToken cancellationToken) => _inner.StopReceivingAsync(cancellationToken);

            public ValueTask DisposeAsync() => _inner.DisposeAsync();
        }
    }
}
