using Eventing.Providers;
using Microsoft.Extensions.DependencyInjection;

namespace Eventing.Outbox.Tests;

/// <summary>The local provider, recording each send's descriptor; sends can be held until released.</summary>
internal sealed class RecordingProvider(IProvider inner, bool holdSends, bool subscribeAfterFirstSend = false) : IProvider
{
    private readonly Lock _gate = new();
    private readonly List<EventDescriptor> _sends = [];
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopped = new();

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
            // Like a broker's confirm that has not arrived yet: a cancelled send is a failed one, and so is one the
            // provider's stop cuts off, as a closing connection fails the publishes it has not confirmed.
            using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopped.Token);
            await _release.Task.WaitAsync(either.Token);
        }

        await inner.SendAsync(envelope, @event, cancellationToken);
        lock (_gate)
        {
            _sends.Add(@event);
        }
    }

    public async Task<IProviderSubscription> SubscribeAsync(ListenerDescriptor listener, CancellationToken cancellationToken)
    {
        if (subscribeAfterFirstSend)
        {
            // A subscription slower than any send that does not wait for it: a send comes first, or none comes.
            await Task.WhenAny(SendStarted.Task, Task.Delay(TimeSpan.FromSeconds(1), cancellationToken));
        }

        return await inner.SubscribeAsync(listener, cancellationToken);
    }

    public Task ProvisionAsync(ListenerDescriptor listener, CancellationToken cancellationToken) =>
        inner.ProvisionAsync(listener, cancellationToken);

    public ValueTask DeadLetterAsync(Envelope envelope, ListenerDescriptor listener, CancellationToken cancellationToken) =>
        inner.DeadLetterAsync(envelope, listener, cancellationToken);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopped.CancelAsync();
        await inner.StopAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        _stopped.Dispose();
        await inner.DisposeAsync();
    }

    public sealed class Holder
    {
        public bool HoldSends { get; init; }

        /// <summary>Subscriptions wait for the first send (or 1 s without one) before they bind.</summary>
        public bool SubscribeAfterFirstSend { get; init; }

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
                Provider = new RecordingProvider((IProvider)local.ImplementationFactory!(services), HoldSends, SubscribeAfterFirstSend);
                Started.TrySetResult(Provider);
                return Provider;
            });
        }
    }
}
