namespace Eventing;

/// <summary>Settings of one listener at registration; they win over <see cref="EventListenerAttribute"/>.</summary>
public sealed class ListenerBuilder
{
    private readonly Hosting.ListenerRegistration _registration;

    internal ListenerBuilder(Hosting.ListenerRegistration registration) => _registration = registration;

    /// <summary>The listener type being configured.</summary>
    public Type ListenerType => _registration.ListenerType;

    /// <summary>Sets the listener name; instances with one name compete for events.</summary>
    public ListenerBuilder Name(string name)
    {
        _registration.Name = name;
        return this;
    }

    /// <summary>Every process gets every event (or, with <see langword="false"/>, processes compete).</summary>
    public ListenerBuilder PerProcess(bool perProcess = true)
    {
        _registration.PerProcess = perProcess;
        return this;
    }

    /// <summary>How many events this listener handles at once in this process. 1 keeps order.</summary>
    public ListenerBuilder Concurrency(int concurrency)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(concurrency, 1);
        _registration.Concurrency = concurrency;
        return this;
    }

    /// <summary>
    /// How many unsettled deliveries the broker may push to this listener ahead of its handlers (AMQP 0-9-1
    /// prefetch, AMQP 1.0 link credit, STOMP prefetch header). Without it the provider picks a multiple of
    /// <see cref="Concurrency"/>. Larger values help throughput with fast handlers; 1 with concurrency 1 keeps one
    /// message in flight per process, so other instances get the rest.
    /// </summary>
    public ListenerBuilder Prefetch(int prefetch)
    {
        ListenerDescriptor.CheckPrefetch(prefetch);
        _registration.Prefetch = prefetch;
        return this;
    }

    /// <summary>Retries a failing event up to <paramref name="attempts"/> attempts in all, waiting twice as long each time.</summary>
    public ListenerBuilder Retry(int attempts, TimeSpan? initialDelay = null, TimeSpan? maxDelay = null)
    {
        var policy = new RetryPolicy(
            attempts,
            initialDelay ?? RetryPolicy.Default.InitialDelay,
            maxDelay ?? RetryPolicy.Default.MaxDelay);
        policy.Validate(_registration.ListenerType.Name);
        _registration.Retry = policy;
        return this;
    }

    /// <summary>
    /// Retries a failing event <paramref name="immediate"/> times in the consuming process, then hands it back to the
    /// broker for each of <paramref name="delayed"/> in turn (the consumer is free meanwhile; each delayed retry runs
    /// the immediate attempts again), and dead-letters it with the whole history after the last. The immediate attempts
    /// wait as <see cref="RetryPolicy.Default"/> does.
    /// </summary>
    /// <example><code>listener.Retry(immediate: 3, delayed: [TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(10)])</code></example>
    public ListenerBuilder Retry(int immediate, IReadOnlyList<TimeSpan> delayed)
    {
        ArgumentNullException.ThrowIfNull(delayed);
        var policy = RetryPolicy.Default with
        {
            MaxAttempts = immediate,
            Delayed = [.. delayed],
        };
        policy.Validate(_registration.ListenerType.Name);
        _registration.Retry = policy;
        return this;
    }

    /// <summary>
    /// Settings that extension packages record for this listener (for example <c>Idempotent(...)</c>); the bus
    /// copies them to <see cref="ListenerDescriptor.Properties"/>, where a pipeline's <see cref="IEnvelopePipeline.Bind"/>
    /// reads them. Use a key prefixed with the package name.
    /// </summary>
    public IDictionary<string, object?> Properties => _registration.Properties;
}
