using Eventing.Conformance;
using Microsoft.Extensions.DependencyInjection;

namespace Eventing.RabbitMq.Tests.Wire;

/// <summary>Many sends in flight: more concurrent sends than confirm slots wait for a slot, they never fail.</summary>
public sealed class ConfirmWindowTests
{
    [Fact]
    public async Task More_concurrent_durable_sends_than_MaxOutstandingConfirms_all_complete()
    {
        await TestBrokers.EnsureUpAsync();
        var builder = new Conformance.ClassicRabbitMqTarget();
        await using var host = await TestHost.StartAsync(builder, configure: events => events.Services.Configure<RabbitMqProviderOptions>(o => o.MaxOutstandingConfirms = 8));
        var run = Guid.NewGuid().ToString("N");
        var sends = new Task[500];
        for (var i = 0; i < sends.Length; i++)
        {
            sends[i] = host.Events.SendAsync(new DurableWireEvent(run, i.ToString(System.Globalization.CultureInfo.InvariantCulture))).AsTask();
        }

        await Task.WhenAll(sends).WaitAsync(TimeSpan.FromMinutes(1));
        Assert.All(sends, send => Assert.True(send.IsCompletedSuccessfully));
    }
}
