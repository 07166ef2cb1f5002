namespace Eventing;

/// <summary>Settings of the in-process provider.</summary>
public sealed class LocalProviderOptions
{
    /// <summary>
    /// The broker to use. <see langword="null"/> (the default) gives this service provider a broker of its own;
    /// share one instance between hosts to simulate several processes.
    /// </summary>
    public LocalBroker? Broker { get; set; }

    /// <summary>How many envelopes a queue of an own broker holds before senders wait. Default 1024.</summary>
    public int QueueCapacity { get; set; } = 1024;
}
