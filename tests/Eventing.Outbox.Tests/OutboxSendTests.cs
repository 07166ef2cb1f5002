using Eventing.Providers;
using Microsoft.Extensions.DependencyInjection;

namespace Eventing.Outbox.Tests;

/// <summary>What a send from the outbox must mean before a row is deleted, and how the relay stops.</summary>
public sealed class OutboxSendTests
{
    [Fact]
    public async Task A_non_durable_event_is_sent_from_the_outbox_as_a_confirmed_durable_send()
    {
        await using var database = new SqliteTestDatabase();
        var recording = new RecordingProvider.Holder();
        await using var host = await OutboxTestHost.StartAsync(database.UseStore, provider: events => recording.Wrap(events));

        await using (var connection = await database.OpenAsync())
        {
            await using var transaction = await connection.BeginTransactionAsync();
            await host.Outbox.AddAsync(new OrderPlaced(1, 1, "fire-and-forget event"), transaction);
            await host.Outbox.CommitAsync(transaction);
        }

        var sent = Assert.Single(recording.Provider!.Sends);
        Assert.Equal("outbox-tests.order-placed", sent.Name);
        Assert.True(sent.Durable, "an outbox row may only be deleted after a send the broker confirmed");
        Assert.Equal(0, await database.CountPendingAsync());

        // The event keeps its own durability when sent directly.
        await host.Events.SendAsync(new OrderPlaced(1, 2, "direct"));
        Assert.False(recording.Provider.Sends[^1].Durable);
    }

    [Fact]
    public async Task Stopping_the_relay_waits_for_its_send_in_flight_and_deletes_the_confirmed_row()
    {
        await using var database = new SqliteTestDatabase();
        var recording = new RecordingProvider.Holder { HoldSends = true };
        await using var host = await OutboxTestHost.StartAsync(database.UseStore, o => o.GracePeriod = TimeSpan.Zero, provider: events => recording.Wrap(events));

        // Committed outside the outbox: only the relay sends it.
        await using (var connection = await database.OpenAsync())
        {
            await using var transaction = await connection.BeginTransactionAsync();
            await host.Outbox.AddAsync(new OrderPlaced(1, 1, "relayed while stopping"), transaction);
            await transaction.CommitAsync();
        }

        var provider = await recording.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await provider.SendStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var stopping = host.StopAsync();
        Assert.False(stopping.IsCompleted, "stop must wait for the relay's send in flight");
        provider.ReleaseSends();
        await stopping.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Single(provider.Sends);
        Assert.Equal(0, await database.CountPendingAsync());
    }

    /// <summary>The local provider, recording each send's descriptor; sends can be held until released.</summary>
    private sealed class RecordingProvider(IProvider inner, bool holdSends) : IProvider
    {
        private readonly Lock _gate = new();
        private readonly List<EventDescriptor> _sends = [];
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource SendStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IReadOnlyList<EventDescriptor> Sends
        {
            get
            {
                lock (_gate)
                {
                    return [.. _sends];
                }
            }
        }

        public string Name => inner.Name;

        public void ReleaseSends() => _release.TrySetResult();

        public Task StartAsync(CancellationToken cancellationToken) => inner.StartAsync(cancellationToken);

        public async ValueTask SendAsync(Envelope envelope, EventDescriptor @event, CancellationToken cancellationToken)
        {
            SendStarted.TrySetResult();
            if (holdSends)
            {
                // Like a broker's confirm that has not arrived yet: a cancelled send is a failed one.
                await _release.Task.WaitAsync(cancellationToken);
            }

            await inner.SendAsync(envelope, @event, cancellationToken);
            lock (_gate)
            {
                _sends.Add(@event);
            }
        }

        public Task<IProviderSubscription> SubscribeAsync(ListenerDescriptor listener, IDeliveryHandler handler, CancellationToken cancellationToken) =>
            inner.SubscribeAsync(listener, handler, cancellationToken);

        public ValueTask DeadLetterAsync(Envelope envelope, ListenerDescriptor listener, CancellationToken cancellationToken) =>
            inner.DeadLetterAsync(envelope, listener, cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => inner.StopAsync(cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();

        public sealed class Holder
        {
            public bool HoldSends { get; init; }

            public RecordingProvider? Provider { get; private set; }

            public TaskCompletionSource<RecordingProvider> Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

            /// <summary>Uses the local provider, wrapped: its registration is replaced by one that records.</summary>
            public void Wrap(EventingBuilder events)
            {
                events.UseLocal();
                var local = events.Services.Last(service => service.ServiceType == typeof(IProvider));
                events.Services.Remove(local);
                events.Services.AddSingleton<IProvider>(services =>
                {
                    Provider = new RecordingProvider((IProvider)local.ImplementationFactory!(services), HoldSends);
                    Started.TrySetResult(Provider);
                    return Provider;
                });
            }
        }
    }
}
