using System.Diagnostics.Metrics;
using Eventing.Local;
using Eventing.Providers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Eventing.Idempotency.Tests;

/// <summary>A started service provider with Eventing on the local provider and idempotency on a test store; stands in for one process.</summary>
public sealed class TestHost : IAsyncDisposable
{
    private readonly IHostedService[] _hosted;

    private TestHost(ServiceProvider services, Observations observations)
    {
        Services = services;
        Observations = observations;
        _hosted = [.. services.GetServices<IHostedService>()];
    }

    public ServiceProvider Services { get; }

    public Observations Observations { get; }

    internal IEnvelopeSender Sender => Services.GetRequiredService<IEnvelopeSender>();

    public IEventManager Events => Services.GetRequiredService<IEventManager>();

    public static async Task<TestHost> StartAsync(
        TestStore store,
        Recorder recorder,
        Action<EventingBuilder> configure,
        LocalBroker? broker = null,
        Action<IdempotencyOptions>? options = null)
    {
        var collection = new ServiceCollection();
        collection.AddSingleton(recorder);
        var observations = new Observations();
        collection.AddLogging(logging => logging.AddProvider(observations).SetMinimumLevel(LogLevel.Debug));
        collection.AddEventing(events =>
        {
            events.Configure(o => o.DefaultRetry = new RetryPolicy(3, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(10)));
            configure(events);
            events.AddIdempotency(idempotency =>
            {
                store.Use(idempotency);
                if (options is not null)
                {
                    idempotency.Configure(options);
                }
            });
            events.UseLocal(local => local.Broker = broker);
        });
        var services = collection.BuildServiceProvider(validateScopes: true);
        var host = new TestHost(services, observations);
        observations.Listen(services.GetRequiredService<IMeterFactory>());
        try
        {
            foreach (var hosted in host._hosted)
            {
                await hosted.StartAsync(CancellationToken.None);
            }
        }
        catch
        {
            await services.DisposeAsync();
            throw;
        }

        return host;
    }

    /// <summary>Sends one event and returns its envelope, to send the very same message again later.</summary>
    public async Task<(Envelope Envelope, EventDescriptor Event)> SendAsync(OrderPlaced @event)
    {
        var (envelope, descriptor) = await Sender.CreateEnvelopeAsync(@event);
        await Sender.SendEnvelopeAsync(envelope.Clone(), descriptor);
        return (envelope, descriptor);
    }

    /// <summary>Delivers a message again with the same id, as a broker redelivery or a second outbox send would.</summary>
    public async Task SendAgainAsync((Envelope Envelope, EventDescriptor Event) sent) =>
        await Sender.SendEnvelopeAsync(sent.Envelope.Clone(), sent.Event);

    public async ValueTask DisposeAsync()
    {
        foreach (var hosted in _hosted.Reverse())
        {
            await hosted.StopAsync(CancellationToken.None);
        }

        await Services.DisposeAsync();
        Observations.Dispose();
    }
}
