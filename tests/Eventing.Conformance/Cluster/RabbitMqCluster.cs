using System.Globalization;
using System.Text.Json.Nodes;
using RabbitMQ.Client;

namespace Eventing.Conformance.Cluster;

/// <summary>
/// The three-node RabbitMQ cluster of eng/cluster.sh: its nodes' addresses per protocol, and the script's controls
/// (kill and start a node, find a quorum queue's leader). A cluster that cannot be started fails the tests; they
/// never skip.
/// </summary>
public sealed class RabbitMqCluster
{
    /// <summary>The number of nodes.</summary>
    public const int NodeCount = 3;

    private readonly string _script = "cluster.sh";
    private readonly Lock _gate = new();
    private readonly Uri[] _amqp = NodeUris("EVENTING_CLUSTER_RABBITMQ_URIS", port => $"amqp://guest:guest@127.0.0.1:{port}/", 5781);
    private readonly Uri[] _amqp10 = NodeUris("EVENTING_CLUSTER_AMQP10_URIS", port => $"amqp://guest:guest@127.0.0.1:{port}", 5781);
    private readonly Uri[] _stomp = NodeUris("EVENTING_CLUSTER_STOMP_URIS", port => $"stomp://guest:guest@127.0.0.1:{port}", 61781);
    private Task? _up;

    /// <summary>The AMQP 0-9-1 URI of node <paramref name="node"/> (1-based), with credentials and vhost.</summary>
    public Uri AmqpUri(int node) => _amqp[Index(node)];

    /// <summary>The AMQP 1.0 URI of node <paramref name="node"/> (the same port as 0-9-1 on RabbitMQ).</summary>
    public Uri Amqp10Uri(int node) => _amqp10[Index(node)];

    /// <summary>The STOMP URI of node <paramref name="node"/>.</summary>
    public Uri StompUri(int node) => _stomp[Index(node)];

    /// <summary>The nodes a provider is given for <paramref name="settings"/>: its <see cref="ProviderSettings.Nodes"/>, or all.</summary>
    public static IReadOnlyList<int> NodesFor(ProviderSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.Nodes ?? [1, 2, 3];
    }

    /// <summary>Starts the cluster once per target (the script does nothing when it already runs).</summary>
    public Task EnsureUpAsync()
    {
        lock (_gate)
        {
            if (_up is null || _up.IsFaulted)
            {
                _up = RunAsync(["up"], TimeSpan.FromMinutes(10));
            }

            return _up;
        }
    }

    /// <summary>Kills node <paramref name="node"/> with SIGKILL (a crash); returns when its ports are closed.</summary>
    public Task KillAsync(int node) => RunAsync(["kill", node.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromMinutes(1));

    /// <summary>Starts node <paramref name="node"/> with its data; returns when it has rejoined the cluster.</summary>
    public Task StartAsync(int node) => RunAsync(["start", node.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromMinutes(3));

    /// <summary>The node (1-based) that leads quorum queue <paramref name="queue"/>.</summary>
    public async Task<int> LeaderAsync(string queue)
    {
        var output = await RunAsync(["leader", queue], TimeSpan.FromMinutes(1));
        return int.Parse(output.Trim(), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Publishes one structured CloudEvent (readable by every provider on RabbitMQ) to <c>amq.topic</c> with the event
    /// name as routing key, through whichever of <paramref name="nodes"/> is up, and waits for its confirm.
    /// </summary>
    public async Task PublishStructuredAsync(string eventName, ReadOnlyMemory<byte> data, IReadOnlyDictionary<string, string> attributes, IReadOnlyList<int> nodes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        ArgumentNullException.ThrowIfNull(nodes);
        var cloudEvent = new JsonObject();
        foreach (var attribute in attributes)
        {
            cloudEvent[attribute.Key] = attribute.Value;
        }

        cloudEvent["data"] = JsonNode.Parse(data.Span);
        var factory = new ConnectionFactory
        {
            Uri = AmqpUri(nodes[0]),
            AutomaticRecoveryEnabled = false,
            RequestedConnectionTimeout = TimeSpan.FromSeconds(5),
            ClientProvidedName = "eventing-tests-cluster-raw",
        };
        var endpoints = nodes.Select(node => new AmqpTcpEndpoint(AmqpUri(node))).ToList();
        await using var connection = await factory.CreateConnectionAsync(endpoints, cancellationToken);
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true), cancellationToken);
        var properties = new BasicProperties
        {
            ContentType = "application/cloudevents+json; charset=utf-8",
            MessageId = attributes.TryGetValue("id", out var id) ? id : null,
            DeliveryMode = DeliveryModes.Persistent,
        };
        await channel.BasicPublishAsync("amq.topic", eventName, mandatory: false, properties, System.Text.Encoding.UTF8.GetBytes(cloudEvent.ToJsonString()), cancellationToken);
    }

    private static int Index(int node)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(node, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(node, NodeCount);
        return node - 1;
    }

    // eng/env.sh exports the nodes' URIs (comma-separated); without it, the script's default ports.
    private static Uri[] NodeUris(string variable, Func<int, string> format, int firstPort) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } list
            ? [.. list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(uri => new Uri(uri))]
            : [.. Enumerable.Range(0, NodeCount).Select(i => new Uri(format(firstPort + i)))];

    private Task<string> RunAsync(string[] arguments, TimeSpan timeout) => EngScript.RunAsync(_script, arguments, timeout);
}
