using Eventing.Providers;

namespace Eventing.Tests;

/// <summary>A provider that does what another does, for tests that change one of its steps.</summary>
internal abstract class ForwardingProvider(IProvider inner) : IProvider
{
    public string Name => inner.Name;

    public string MessagingSystem => inner.MessagingSystem;

    public ProviderHealth? Health => inner.Health;

    public Task StartAsync(CancellationToken cancellationToken) => inner.StartAsync(cancellationToken);

    public ValueTask SendAsync(Envelope envelope, EventDescriptor @event, CancellationToken cancellationToken) =>
        inner.SendAsync(envelope, @event, cancellationToken);

    public virtual Task<IProviderSubscription> SubscribeAsync(ListenerDescriptor listener, CancellationToken cancellationToken) =>
        inner.SubscribeAsync(listener, cancellationToken);

    public Task ProvisionAsync(ListenerDescriptor listener, CancellationToken cancellationToken) =>
        inner.ProvisionAsync(listener, cancellationToken);

    public virtual ValueTask DeadLetterAsync(Envelope envelope, ListenerDescriptor listener, CancellationToken cancellationToken) =>
        inner.DeadLetterAsync(envelope, listener, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => inner.StopAsync(cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
