namespace Eventing.Conformance;

/// <summary>
/// What a provider test project implements to run the conformance suite: how to configure its provider, and
/// the few ways to touch the broker that bypass Eventing (raw publishing, reading dead letters). A target is an
/// xUnit class fixture; <see cref="InitializeAsync"/> brings the broker up once (and fails, never skips, when it
/// cannot). Capabilities beyond this are interfaces (<see cref="IRestartableBroker"/>,
/// <see cref="IAuthenticatingBroker"/>) that unlock further abstract test classes.
/// </summary>
public abstract class ConformanceTarget : IAsyncLifetime
{
    /// <summary>A short name, part of the listener names so targets sharing a broker never share queues.</summary>
    public abstract string Name { get; }

    /// <summary>A token unique to this test run, also part of listener names (queues outlive a run on a real broker).</summary>
    public string RunId { get; } = Guid.NewGuid().ToString("N")[..8];

    /// <summary>Configures the provider on <paramref name="builder"/>.</summary>
    public abstract void UseProvider(EventingBuilder builder, ProviderSettings settings);

    /// <summary>
    /// Publishes a message to the address of event <paramref name="eventName"/> without Eventing's envelope code:
    /// the body as given and each attribute (CloudEvents name → value) written the way the protocol's binding
    /// writes it. Used to send what Eventing would never send (malformed JSON, unknown event types).
    /// </summary>
    public abstract Task PublishRawAsync(string eventName, ReadOnlyMemory<byte> body, IReadOnlyDictionary<string, string> attributes, bool durable, CancellationToken cancellationToken);

    /// <summary>
    /// Waits until <paramref name="count"/> messages are in the dead-letter queue of listener queue
    /// <paramref name="queue"/> (logical name) and returns them, removing them from the broker. Throws
    /// <see cref="TimeoutException"/> when they do not arrive within <paramref name="timeout"/>.
    /// </summary>
    public abstract Task<IReadOnlyList<Envelope>> ReadDeadLettersAsync(string queue, int count, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Brings the broker up (idempotent); throws when it cannot.</summary>
    public virtual Task InitializeAsync() => Task.CompletedTask;

    /// <inheritdoc />
    public virtual Task DisposeAsync() => Task.CompletedTask;
}
