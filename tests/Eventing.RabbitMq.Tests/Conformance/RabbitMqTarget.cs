using Eventing.Conformance;
using Eventing.RabbitMq.Wire;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Eventing.RabbitMq.Tests.Conformance;

/// <summary>
/// The RabbitMQ provider on the test broker started by eng/brokers.sh. Raw publishing and dead-letter reading go
/// through a plain RabbitMQ.Client connection, past the provider.
/// </summary>
public abstract class RabbitMqTarget : ConformanceTarget, IRestartableBroker, IAuthenticatingBroker, IConsumerProcessTarget
{
    private IConnection? _raw;

    /// <summary>The queue type under test.</summary>
    public abstract RabbitMqQueueType QueueType { get; }

    public override string Name => "rabbitmq-" + QueueType.ToString().ToLowerInvariant();

    private IConnection Raw => _raw ?? throw new InvalidOperationException("not initialized");

    public override async Task InitializeAsync()
    {
        await TestBrokers.EnsureUpAsync();
        var factory = new ConnectionFactory
        {
            Uri = new Uri(TestBrokers.RabbitMqUri),
            AutomaticRecoveryEnabled = true,
            NetworkRecoveryInterval = TimeSpan.FromSeconds(1),
            ClientProvidedName = "eventing-tests-raw",
        };
        _raw = await factory.CreateConnectionAsync();
    }

    public override async Task DisposeAsync()
    {
        if (_raw is not null)
        {
            await _raw.CloseAsync(TimeSpan.FromSeconds(5));
            _raw.Dispose();
        }
    }

    public override void UseProvider(EventingBuilder builder, ProviderSettings settings)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(settings);
        builder.UseRabbitMq(rabbit =>
        {
            rabbit.Uri = new Uri(settings.Connection switch
            {
                ConnectionMode.WrongCredentials => $"amqp://guest:wrong@127.0.0.1:{TestBrokers.RabbitMqPort}/",
                // Port 1 on loopback: nothing listens there, the connection is refused at once.
                ConnectionMode.Unreachable or ConnectionMode.FirstEndpointUnreachable => "amqp://guest:guest@127.0.0.1:1/",
                _ => TestBrokers.RabbitMqUri,
            });
            if (settings.Connection == ConnectionMode.FirstEndpointUnreachable)
            {
                rabbit.Endpoints.Add(new Uri(TestBrokers.RabbitMqUri));
                rabbit.EndpointOrder = EndpointOrder.InOrder;
            }

            rabbit.QueueType = QueueType;
            rabbit.RecoveryInterval = TimeSpan.FromSeconds(1);
            if (settings.SendTimeout is { } send)
            {
                rabbit.SendTimeout = send;
            }

            if (settings.ConnectTimeout is { } connect)
            {
                rabbit.ConnectTimeout = connect;
            }
        });
    }

    public string EndpointFor(ConnectionMode mode) => mode == ConnectionMode.Unreachable ? "127.0.0.1:1/" : $"127.0.0.1:{TestBrokers.RabbitMqPort}/";

    public override async Task PublishRawAsync(string eventName, ReadOnlyMemory<byte> body, IReadOnlyDictionary<string, string> attributes, bool durable, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        await using var channel = await Raw.CreateChannelAsync(new CreateChannelOptions(true, true), cancellationToken);
        var headers = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var attribute in attributes)
        {
            headers["ce_" + attribute.Key] = attribute.Value;
        }

        var properties = new BasicProperties
        {
            Headers = headers,
            ContentType = attributes.TryGetValue("datacontenttype", out var contentType) ? contentType : null,
            MessageId = attributes.TryGetValue("id", out var id) ? id : null,
            DeliveryMode = durable ? DeliveryModes.Persistent : DeliveryModes.Transient,
        };
        await channel.BasicPublishAsync("amq.topic", eventName, mandatory: false, properties, body, cancellationToken);
    }

    public override async Task<IReadOnlyList<Envelope>> ReadDeadLettersAsync(string queue, int count, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await using var channel = await Raw.CreateChannelAsync(cancellationToken: cancellationToken);
        var letters = new Collector<Envelope>();
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            letters.Add(RabbitMqWire.FromMessage(delivery.BasicProperties, delivery.Body, delivery.Redelivered, NullLogger.Instance, queue, out var _));
            return Task.CompletedTask;
        };
        var tag = await channel.BasicConsumeAsync(queue + ".dead-letter", autoAck: true, consumer, cancellationToken);
        await letters.WaitForCountAsync(count, timeout, $"{count} dead letters in {queue}.dead-letter");
        await channel.BasicCancelAsync(tag, cancellationToken: cancellationToken);
        return letters.Items;
    }

    public Task RestartBrokerAsync(CancellationToken cancellationToken) => TestBrokers.RunAsync("restart rabbitmq", TimeSpan.FromMinutes(3));

    public Task StopBrokerAsync(CancellationToken cancellationToken) => TestBrokers.RunAsync("stop rabbitmq", TimeSpan.FromMinutes(3));

    public Task StartBrokerAsync(CancellationToken cancellationToken) => TestBrokers.RunAsync("start rabbitmq", TimeSpan.FromMinutes(3));

    public Task KillBrokerAsync(CancellationToken cancellationToken) => TestBrokers.RunAsync("kill rabbitmq", TimeSpan.FromMinutes(1));

    public IReadOnlyList<string> ConsumerArguments =>
        ["--provider", "rabbitmq", "--uri", TestBrokers.RabbitMqUri, "--queue-type", QueueType == RabbitMqQueueType.Quorum ? "quorum" : "classic"];
}
