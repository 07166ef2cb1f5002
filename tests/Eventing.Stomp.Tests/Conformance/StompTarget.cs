using System.Threading.Channels;
using Eventing.Conformance;
using Eventing.Stomp.Wire;
using Eventing.Stomp.Client.Protocol;
using Eventing.Stomp.Tests.Integration;
using Eventing.Stomp.Topology;
using Microsoft.Extensions.Logging.Abstractions;

namespace Eventing.Stomp.Tests.Conformance;

/// <summary>The STOMP provider on one of the test brokers; raw publishing and dead-letter reading use our own frame layer directly.</summary>
public abstract class StompTarget : ConformanceTarget, IRestartableBroker, IAuthenticatingBroker, IConsumerProcessTarget
{
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    private const int UnreachablePort = 1;

    private Uri? _uri;

    /// <summary><c>activemq</c> or <c>rabbitmq</c>, as eng/brokers.sh calls it.</summary>
    protected abstract string Broker { get; }

    private Uri Uri => _uri ?? throw new InvalidOperationException("The target was not initialized.");

    /// <summary>The queue type the provider declares (quorum only on RabbitMQ).</summary>
    protected virtual StompQueueType QueueType => StompQueueType.Classic;

    private StompTopology Topology => Broker == "rabbitmq" ? new RabbitMqStompTopology(QueueType) : new ActiveMqStompTopology();

    public override async Task InitializeAsync() => _uri = await TestBrokers.StompUriAsync(Broker);

    public override void UseProvider(EventingBuilder builder, ProviderSettings settings)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(settings);
        builder.UseStomp(stomp =>
        {
            stomp.Uri = settings.Connection switch
            {
                ConnectionMode.WrongCredentials => new UriBuilder(Uri) { Password = "wrong" }.Uri,
                ConnectionMode.Unreachable or ConnectionMode.FirstEndpointUnreachable => new UriBuilder(Uri) { Port = UnreachablePort }.Uri,
                _ => Uri,
            };
            stomp.QueueType = QueueType;
            if (settings.Connection == ConnectionMode.FirstEndpointUnreachable)
            {
                stomp.Endpoints.Add(Uri);
                stomp.EndpointOrder = EndpointOrder.InOrder;
            }

            if (settings.SendTimeout is { } send)
            {
                stomp.SendTimeout = send;
            }

            if (settings.ConnectTimeout is { } connect)
            {
                stomp.ConnectTimeout = connect;
            }

            // Broker restarts in the suite: come back quickly.
            stomp.ReconnectMaxDelay = TimeSpan.FromSeconds(2);
        });
    }

    public string EndpointFor(ConnectionMode mode) => $"{Uri.Host}:{(mode == ConnectionMode.Unreachable ? UnreachablePort : Uri.Port)}";

    public override async Task PublishRawAsync(string eventName, ReadOnlyMemory<byte> body, IReadOnlyDictionary<string, string> attributes, bool durable, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        await using var connection = await ConnectAsync(null, cancellationToken);
        var frame = new FrameBuffer();
        StompFrameEncoder.WriteCommand(frame, "SEND");
        StompFrameEncoder.WriteHeader(frame, "destination", Topology.SendDestination(new EventDescriptor(eventName)));
        if (durable)
        {
            StompFrameEncoder.WriteHeader(frame, "persistent", "true");
        }

        foreach (var attribute in attributes)
        {
            StompFrameEncoder.WriteHeader(frame, "ce_" + attribute.Key, attribute.Value);
        }

        var id = connection.RegisterReceipt(out var receipt);
        StompFrameEncoder.WriteHeader(frame, "receipt", id);
        StompFrameEncoder.WriteBody(frame, body.Span);
        connection.Enqueue(frame);
        await receipt.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        await connection.DisconnectAsync(TimeSpan.FromSeconds(5));
    }

    public override async Task<IReadOnlyList<Envelope>> ReadDeadLettersAsync(string queue, int count, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var frames = Channel.CreateUnbounded<StompFrame>();
        await using var connection = await ConnectAsync((_, frame) => frames.Writer.TryWrite(frame), cancellationToken);
        var subscribe = new FrameBuffer();
        StompFrameEncoder.WriteCommand(subscribe, "SUBSCRIBE");
        StompFrameEncoder.WriteHeader(subscribe, "id", "dead-letters");
        StompFrameEncoder.WriteHeader(subscribe, "destination", "/queue/" + queue + ".dead-letter");
        StompFrameEncoder.WriteHeader(subscribe, "ack", "client-individual");

        // The provider's own declaration of the dead-letter queue, so that reading it never redeclares it otherwise.
        foreach (var header in Topology.DeadLetterHeaders)
        {
            StompFrameEncoder.WriteHeader(subscribe, header.Key, header.Value);
        }

        StompFrameEncoder.WriteEnd(subscribe);
        connection.Enqueue(subscribe);

        var envelopes = new List<Envelope>(count);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            while (envelopes.Count < count)
            {
                var frame = await frames.Reader.ReadAsync(deadline.Token);
                envelopes.Add(StompWire.Read(frame, NullLogger.Instance));
                var ack = new FrameBuffer();
                StompFrameEncoder.WriteCommand(ack, "ACK");
                StompFrameEncoder.WriteHeader(ack, "id", frame["ack"]!);
                StompFrameEncoder.WriteEnd(ack);
                connection.Enqueue(ack);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{envelopes.Count} of {count} dead letters arrived in {queue}.dead-letter within {timeout}.");
        }

        await connection.DisconnectAsync(TimeSpan.FromSeconds(5));
        return envelopes;
    }

    public Task RestartBrokerAsync(CancellationToken cancellationToken) => TestBrokers.RunAsync("restart", Broker);

    public Task StopBrokerAsync(CancellationToken cancellationToken) => TestBrokers.RunAsync("stop", Broker);

    public Task StartBrokerAsync(CancellationToken cancellationToken) => TestBrokers.RunAsync("start", Broker);

    public Task KillBrokerAsync(CancellationToken cancellationToken) => TestBrokers.RunAsync("kill", Broker);

    public IReadOnlyList<string> ConsumerArguments => ["--provider", "stomp", "--uri", Uri.ToString()];

    private Task<StompConnection> ConnectAsync(Action<StompConnection, StompFrame>? onMessage, CancellationToken cancellationToken) =>
        StompConnection.ConnectAsync(new StompEndpoint(StompClientSettings.From(new StompProviderOptions { Uri = Uri })), onMessage, NullLogger.Instance, cancellationToken);
}
