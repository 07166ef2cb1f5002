namespace Eventing.Stomp.Tests.Integration;

internal static class StompTestSupport
{
    public static string UniqueEvent(string what) => $"stomp.{what}.{Guid.NewGuid():N}"[..40];

    public static async Task<StompProvider> StartProviderAsync(string broker, Action<StompProviderOptions>? configure = null)
    {
        var options = new StompProviderOptions { Uri = await TestBrokers.StompUriAsync(broker), SendTimeout = TimeSpan.FromSeconds(15) };
        configure?.Invoke(options);
        var provider = new StompProvider(options);
        await provider.StartAsync(CancellationToken.None);
        return provider;
    }

    public static ListenerDescriptor Listener(EventDescriptor @event, string name, bool perProcess = false) =>
        new(@event, name, perProcess, "p" + Environment.ProcessId);

    public static Envelope NewEnvelope(string eventName, string json = "{\"orderId\":1}")
    {
        var envelope = new Envelope(eventName, System.Text.Encoding.UTF8.GetBytes(json)) { Source = "/eventing/stomp-tests" };
        envelope.Headers["tenant"] = "acme: east\\west\nline";
        envelope.Headers["traceparent"] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        envelope.CorrelationId = "corr-" + Guid.NewGuid().ToString("N")[..6];
        return envelope;
    }
}
