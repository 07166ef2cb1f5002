using Amqp;
using Amqp.Framing;
using Eventing.Amqp.Tests.Infrastructure;
using Eventing.Amqp.Wire;
using Eventing.Conformance;
using Microsoft.Extensions.Logging.Abstractions;

namespace Eventing.Amqp.Tests.Conformance;

/// <summary>The AMQP 1.0 provider on RabbitMQ 3.x (plugin rabbitmq_amqp1_0) with RabbitMQ provisioning.</summary>
public sealed class AmqpTarget : ConformanceTarget, IRestartableBroker, IAuthenticatingBroker, IConsumerProcessTarget
{
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    private const int UnreachablePort = 1;

    public override string Name => "amqp10";

    public override async Task InitializeAsync() => await Broker.EnsureUpAsync();

    public override void UseProvider(EventingBuilder builder, ProviderSettings settings)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(settings);
        builder.UseAmqp(amqp =>
        {
            amqp.Uri = settings.Connection switch
            {
                ConnectionMode.WrongCredentials => new Uri($"amqp://guest:wrong@{Broker.Host}:{Broker.Port}"),
                ConnectionMode.Unreachable or ConnectionMode.FirstEndpointUnreachable => new Uri($"amqp://guest:guest@{Broker.Host}:{UnreachablePort}"),
                _ => Broker.AmqpUri,
            };
            if (settings.Connection == ConnectionMode.FirstEndpointUnreachable)
            {
                amqp.Endpoints.Add(Broker.AmqpUri);
                amqp.EndpointOrder = EndpointOrder.InOrder;
            }

            if (settings.SendTimeout is { } send)
            {
                amqp.SendTimeout = send;
            }

            if (settings.ConnectTimeout is { } connect)
            {
                amqp.ConnectTimeout = connect;
            }

            amqp.UseRabbitMqProvisioning(rabbit => rabbit.Uri = Broker.Amqp091Uri);
        });
    }

    public string EndpointFor(ConnectionMode mode) => mode == ConnectionMode.Unreachable
        ? $"{Broker.Host}:{UnreachablePort}"
        : $"{Broker.Host}:{Broker.Port}";

    public override async Task PublishRawAsync(string eventName, ReadOnlyMemory<byte> body, IReadOnlyDictionary<string, string> attributes, bool durable, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        var message = new Message
        {
            BodySection = new Data { Binary = body.ToArray() },
            ApplicationProperties = new ApplicationProperties(),
            Header = new Header { Durable = durable },
        };
        foreach (var attribute in attributes)
        {
            message.ApplicationProperties.Map["cloudEvents_" + attribute.Key] = attribute.Value;
        }

        await using var raw = await RawAmqp.ConnectAsync();
        await raw.SendAsync("/topic/" + eventName, message);
    }

    public override async Task<IReadOnlyList<Envelope>> ReadDeadLettersAsync(string queue, int count, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await using var raw = await RawAmqp.ConnectAsync();
        var messages = await raw.ReceiveAsync($"/amq/queue/{queue}.dead-letter", count, timeout);
        var envelopes = new List<Envelope>(messages.Count);
        foreach (var message in messages)
        {
            envelopes.Add(AmqpWire.Decode(message, NullLogger.Instance, queue + ".dead-letter"));
        }

        return envelopes;
    }

    public Task RestartBrokerAsync(CancellationToken cancellationToken) => Broker.RunAsync("restart", "rabbitmq");

    public Task StopBrokerAsync(CancellationToken cancellationToken) => Broker.RunAsync("stop", "rabbitmq");

    public Task StartBrokerAsync(CancellationToken cancellationToken) => Broker.RunAsync("start", "rabbitmq");

    public Task KillBrokerAsync(CancellationToken cancellationToken) => Broker.RunAsync("kill", "rabbitmq");

    public IReadOnlyList<string> ConsumerArguments =>
        ["--provider", "amqp", "--uri", Broker.AmqpUri.ToString(), "--provisioning-uri", Broker.Amqp091Uri.ToString()];
}
