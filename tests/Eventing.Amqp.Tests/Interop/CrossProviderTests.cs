using Eventing.Amqp.Tests.Infrastructure;
using Eventing.Providers;
using Eventing.RabbitMq;
using Eventing.Stomp;
using Microsoft.Extensions.DependencyInjection;

namespace Eventing.Amqp.Tests.Interop;

/// <summary>
/// Across providers on one RabbitMQ: structured mode carries every attribute between AMQP 1.0 and the RabbitMq
/// (0-9-1) and Stomp providers in both directions; binary mode carries only what docs/wire.md measured.
/// </summary>
public sealed class CrossProviderTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public enum Other
    {
        RabbitMq,
        Stomp,
    }

    [Theory]
    [InlineData(Other.RabbitMq)]
    [InlineData(Other.Stomp)]
    public async Task Structured_events_from_the_other_provider_reach_an_Amqp_listener_with_every_attribute(Other other)
    {
        var original = WireTests(ProviderHarness.Unique("cross.in"));
        var received = await RoundTripAsync(original, ContentMode.Structured, sender: other, listenerOnAmqp: true);
        Assert.True(received.IsStructured, "the content type says structured");
        Integration.WireTests.AssertSameAttributes(original, StructuredCloudEvent.Decode(received.Body));
    }

    [Theory]
    [InlineData(Other.RabbitMq)]
    [InlineData(Other.Stomp)]
    public async Task Structured_events_from_Amqp_reach_a_listener_on_the_other_provider_with_every_attribute(Other other)
    {
        var original = WireTests(ProviderHarness.Unique("cross.out"));
        var received = await RoundTripAsync(original, ContentMode.Structured, sender: other, listenerOnAmqp: false);
        Assert.True(received.IsStructured, "the content type says structured");
        Integration.WireTests.AssertSameAttributes(original, StructuredCloudEvent.Decode(received.Body));
    }

    // docs/wire.md: 0-9-1 or STOMP → AMQP 1.0 on RabbitMQ 3.x creates no application-properties: only what maps to
    // the properties section crosses. Measured per path: 0-9-1 gives message id, content type and correlation id;
    // STOMP has no message id of ours (RabbitMQ refuses a sender's), so only content type and correlation id. On
    // both paths RabbitMQ fills the AMQP subject with the event name, which the reader takes for the type.
    [Theory]
    [InlineData(Other.RabbitMq)]
    [InlineData(Other.Stomp)]
    public async Task Binary_events_from_the_other_provider_carry_only_the_native_properties_to_Amqp(Other other)
    {
        var original = WireTests(ProviderHarness.Unique("cross.binin"));
        var received = await RoundTripAsync(original, ContentMode.Binary, sender: other, listenerOnAmqp: true);
        if (other == Other.RabbitMq)
        {
            Assert.Equal(original.Id, received.Id);
        }
        else
        {
            Assert.NotEqual(original.Id, received.Id);
        }

        Assert.Equal(original.Type, received.Type);

        Assert.Equal(original.DataContentType, received.DataContentType);
        Assert.Equal(original.CorrelationId, received.CorrelationId);
        Assert.NotEqual(original.Source, received.Source);
        Assert.NotEqual(original.Time, received.Time);
        Assert.False(received.Headers.ContainsKey("custom"), "extensions do not cross");
        Assert.False(received.Headers.ContainsKey("traceparent"), "extensions do not cross");
        Assert.Equal(original.Body.ToArray(), received.Body.ToArray());
    }

    // docs/wire.md: AMQP 1.0 → 0-9-1 or STOMP on RabbitMQ 3.x: application-properties arrive as one AMQP-encoded
    // binary header, so no attribute is readable from headers.
    [Theory]
    [InlineData(Other.RabbitMq)]
    [InlineData(Other.Stomp)]
    public async Task Binary_events_from_Amqp_carry_no_readable_attribute_headers_to_the_other_provider(Other other)
    {
        var original = WireTests(ProviderHarness.Unique("cross.binout"));
        var received = await RoundTripAsync(original, ContentMode.Binary, sender: other, listenerOnAmqp: false);
        Assert.NotEqual(original.Type, received.Type);
        Assert.NotEqual(original.Source, received.Source);
        Assert.NotEqual(original.Time, received.Time);
        Assert.False(received.Headers.ContainsKey("custom"), "extensions do not cross");
        Assert.False(received.Headers.ContainsKey("tracestate"), "extensions do not cross");
        Assert.Equal(original.Body.ToArray(), received.Body.ToArray());
    }

    private static Envelope WireTests(string type) => Integration.WireTests.NewEnvelope(type);

    /// <summary>
    /// Sends <paramref name="original"/> from one side and returns the envelope as the listener's provider read it.
    /// <paramref name="listenerOnAmqp"/>: the other provider sends to an Amqp listener; otherwise Amqp sends to
    /// a listener on the other provider.
    /// </summary>
    private static async Task<Envelope> RoundTripAsync(Envelope original, ContentMode mode, Other sender, bool listenerOnAmqp)
    {
        await Broker.EnsureUpAsync();
        var descriptor = new EventDescriptor(original.Type, durable: true, mode);
        var listener = new ListenerDescriptor(descriptor, "cross", perProcess: false, processId: "p");
        await using var amqp = await StartAsync(events => events.UseAmqp(o =>
        {
            o.Uri = Broker.AmqpUri;
            o.UseRabbitMqProvisioning(rabbit => rabbit.Uri = Broker.Amqp091Uri);
        }));
        await using var otherProvider = await StartAsync(sender == Other.RabbitMq
            ? events => events.UseRabbitMq(o => o.Uri = Broker.Amqp091Uri)
            : events => events.UseStomp(o =>
            {
                o.Uri = new Uri($"stomp://guest:guest@{Broker.Host}:{Broker.StompPort}");
                o.Topology = StompTopologyKind.RabbitMq;
            }));
        var (from, to) = listenerOnAmqp ? (otherProvider.Provider, amqp.Provider) : (amqp.Provider, otherProvider.Provider);

        var recorder = new Recorder();
        await using var subscription = await to.SubscribeAsync(listener, recorder, CancellationToken.None);
        var envelope = mode == ContentMode.Structured ? StructuredCloudEvent.ToStructured(original) : original.Clone();
        await from.SendAsync(envelope, descriptor, CancellationToken.None);
        return (await recorder.WaitForAsync(1, Patience))[0];
    }

    private static async Task<Started> StartAsync(Action<EventingBuilder> use)
    {
        var services = new ServiceCollection().AddEventing(use).BuildServiceProvider();
        var provider = services.GetRequiredService<IProvider>();
        await provider.StartAsync(CancellationToken.None);
        return new Started(services, provider);
    }

    private sealed record Started(ServiceProvider Services, IProvider Provider) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Provider.StopAsync(CancellationToken.None);
            await Services.DisposeAsync();
        }
    }
}
