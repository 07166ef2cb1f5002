using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Eventing.Cli.Tests;

[Event("cli.tests.order", Durable = true)]
public sealed record CliOrder(int OrderId, string Note);

/// <summary>An application using the library on one provider, next to the CLI under test.</summary>
internal sealed class LibraryHost : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly List<IHostedService> _hosted;
    private readonly MeterListener _meters = new();
    private readonly TaskCompletionSource _deadLettered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly System.Threading.Channels.Channel<long> _deadLetters = System.Threading.Channels.Channel.CreateUnbounded<long>();

    private LibraryHost(ServiceProvider services)
    {
        _services = services;
        _hosted = [.. services.GetServices<IHostedService>()];

        // The dispatcher counts a dead letter once the provider confirmed it: a signal, not a guess.
        var meter = services.GetRequiredService<IMeterFactory>().Create("Eventing");
        _meters.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, meter) && instrument.Name == "eventing.dead_letters")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _meters.SetMeasurementEventCallback<long>((_, value, _, _) =>
        {
            _deadLettered.TrySetResult();
            _deadLetters.Writer.TryWrite(value);
        });
        _meters.Start();
    }

    public IEventManager Events => _services.GetRequiredService<IEventManager>();

    public Task DeadLettered => _deadLettered.Task;

    /// <summary>Waits until <paramref name="count"/> more dead letters were confirmed than had been awaited before.</summary>
    public async Task DeadLetteredAsync(int count, TimeSpan timeout)
    {
        for (var seen = 0L; seen < count;)
        {
            seen += await _deadLetters.Reader.ReadAsync().AsTask().WaitAsync(timeout);
        }
    }

    /// <summary>Starts the library with <see cref="CliOrder"/> and whatever <paramref name="configure"/> adds (events of a test of its own).</summary>
    public static async Task<LibraryHost> StartAsync(Target target, Action<EventingBuilder>? configure = null)
    {
        var uri = new Uri(await target.UriAsync());
        var services = new ServiceCollection();
        services.AddEventing(events =>
        {
            events.AddEvent<CliOrder>();
            events.Configure(options => options.DefaultRetry = new RetryPolicy(1, TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(10)));
            configure?.Invoke(events);
            target.Configure(events, uri);
        });
        var host = new LibraryHost(services.BuildServiceProvider());
        foreach (var hosted in host._hosted)
        {
            await hosted.StartAsync(CancellationToken.None);
        }

        return host;
    }

    public async ValueTask DisposeAsync()
    {
        _meters.Dispose();
        foreach (var hosted in Enumerable.Reverse(_hosted))
        {
            await hosted.StopAsync(CancellationToken.None);
        }

        await _services.DisposeAsync();
    }
}
