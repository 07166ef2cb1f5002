using System.Collections.Concurrent;
using Eventing.Conformance;
using Eventing.Providers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Eventing.Health.Testing;

/// <summary>
/// An Eventing host with the eventing health check (grace period 5 s), for the health tests of the AMQP and STOMP
/// providers (the STOMP test project compiles this file too). Health has no signal to wait on, so it is polled
/// every 100 ms within a bound.
/// </summary>
internal sealed class HealthHost : IAsyncDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private readonly IHost _host;

    private HealthHost(IHost host)
    {
        _host = host;
        Events = host.Services.GetRequiredService<IEventManager>();
        Provider = host.Services.GetRequiredService<IProvider>();
    }

    public IEventManager Events { get; }

    public IProvider Provider { get; }

    public static async Task<HealthHost> StartAsync(Action<EventingBuilder> useProvider)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddEventing(useProvider);
        builder.Services.AddHealthChecks().AddEventing(health => health.GracePeriod = TimeSpan.FromSeconds(5));
        var host = builder.Build();
        await host.StartAsync();
        return new HealthHost(host);
    }

    /// <summary>A listener name no other test uses.</summary>
    public static string Unique(string name) => $"health-{name}-{Guid.NewGuid():N}";

    /// <summary>Deletes <paramref name="queue"/> on the RabbitMQ test broker, as an operator would.</summary>
    public static Task DeleteQueueAsync(string queue) =>
        EngScript.RunAsync("brokers.sh", ["ctl", "delete_queue", queue], TimeSpan.FromMinutes(1));

    /// <summary>The eventing check's answer now.</summary>
    public async Task<HealthReportEntry> CheckAsync()
    {
        var report = await _host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        return report.Entries["eventing"];
    }

    /// <summary>Polls until the check says <paramref name="status"/> (Degraded: Degraded or worse).</summary>
    public Task<HealthReportEntry> WaitForAsync(HealthStatus status, TimeSpan patience) =>
        WaitForAsync(entry => status == HealthStatus.Healthy ? entry.Status == HealthStatus.Healthy : entry.Status <= status, status.ToString(), patience);

    /// <summary>Polls until the check's answer satisfies <paramref name="until"/>.</summary>
    public async Task<HealthReportEntry> WaitForAsync(Func<HealthReportEntry, bool> until, string what, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        while (true)
        {
            var entry = await CheckAsync();
            if (until(entry))
            {
                return entry;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the check did not say {what} within {patience}; last: {entry.Status}: {entry.Description}");
            }

            await Task.Delay(PollInterval);
        }
    }

    /// <summary>How often the provider restored the consumer of <paramref name="listener"/> after a cancellation.</summary>
    public long Restorations(string listener)
    {
        foreach (var consumer in Provider.Health!.Snapshot().Consumers)
        {
            if (consumer.Listener == listener)
            {
                return consumer.Restorations;
            }
        }

        throw new InvalidOperationException($"listener {listener} is not registered with the provider's health");
    }

    /// <summary>
    /// Polls until the provider has seen the consumer of <paramref name="listener"/> (queue <paramref name="queue"/>)
    /// cancelled: the check names it, or the consumer was restored since <paramref name="restorations"/> (faster
    /// than a poll). Returns whether the check was seen naming it.
    /// </summary>
    public async Task<bool> WaitUntilCancellationSeenAsync(string listener, string queue, long restorations, TimeSpan patience)
    {
        var entry = await WaitForAsync(
            entry => Names(entry, listener, queue) || Restorations(listener) > restorations,
            $"that listener {listener} (queue {queue}) is not consuming",
            patience);
        return Names(entry, listener, queue);
    }

    /// <summary>Whether the check reports the consumer of <paramref name="listener"/> on <paramref name="queue"/> as not consuming.</summary>
    public static bool Names(HealthReportEntry entry, string listener, string queue) =>
        entry.Status != HealthStatus.Healthy
        && entry.Description is { } description
        && description.Contains(listener, StringComparison.Ordinal)
        && description.Contains(queue, StringComparison.Ordinal)
        && entry.Data.ContainsKey($"listener.{listener}");

    /// <summary>
    /// Polls until the check says Healthy, and each time it does, sends an event and requires it delivered: a
    /// provider that reports healthy while its consumer is deaf fails here. Returns once one such event arrived.
    /// </summary>
    public async Task AssertNeverHealthyAndDeafAsync<TEvent>(HealthProbe probe, Func<int, TEvent> create, TimeSpan patience)
        where TEvent : notnull
    {
        var deadline = DateTime.UtcNow + patience;
        var seen = new List<string>();
        while (true)
        {
            var entry = await CheckAsync();
            seen.Add($"{entry.Status}: {entry.Description}");
            if (entry.Status == HealthStatus.Healthy)
            {
                // Bounded by the grace period and more: a consumer restored must receive at once.
                await probe.SendAndReceiveAsync(this, create, TimeSpan.FromSeconds(15));
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the check did not say Healthy again within {patience}; it said:\n{string.Join('\n', seen.Distinct())}");
            }

            await Task.Delay(PollInterval);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        if (_host is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
        else
        {
            _host.Dispose();
        }
    }
}

/// <summary>What the health tests' events carry: the test that sent them and their number.</summary>
internal interface IHealthProbeEvent
{
    string Run { get; }

    int Seq { get; }
}

/// <summary>One test's listener: completes a signal per event number it receives from its own test.</summary>
internal sealed class HealthProbe
{
    private readonly ConcurrentDictionary<int, TaskCompletionSource> _received = new();
    private int _next;

    public string Run { get; } = Guid.NewGuid().ToString("N");

    public ValueTask Handle<TEvent>(TEvent @event, EventContext context, CancellationToken cancellationToken)
        where TEvent : IHealthProbeEvent
    {
        if (@event.Run == Run)
        {
            Signal(@event.Seq).TrySetResult();
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Sends the next event and waits for it to arrive.</summary>
    public async Task SendAndReceiveAsync<TEvent>(HealthHost host, Func<int, TEvent> create, TimeSpan patience)
        where TEvent : notnull
    {
        var seq = Interlocked.Increment(ref _next);
        await host.Events.SendAsync(create(seq));
        try
        {
            await Signal(seq).Task.WaitAsync(patience);
        }
        catch (TimeoutException exception)
        {
            throw new TimeoutException($"event {seq} sent while the check said Healthy did not arrive within {patience}: healthy and deaf", exception);
        }
    }

    private TaskCompletionSource Signal(int seq) =>
        _received.GetOrAdd(seq, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
}
