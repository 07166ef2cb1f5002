using Eventing.Amqp.Hosting;
using Eventing.Amqp.Topology;
using Eventing.RabbitMq;
using Eventing.RabbitMq.Topology;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Eventing.Amqp.RabbitMq.Provisioning;

/// <summary>
/// Declares listener queues for the AMQP 1.0 provider on RabbitMQ 3.x through one AMQP 0-9-1 connection, with
/// <see cref="RabbitMqProvisioner"/> (the RabbitMq provider's own declarations), so all providers agree on names
/// and shapes.
/// </summary>
internal sealed class RabbitMqAmqpProvisioner : IAmqpDelayProvisioner
{
    private readonly Func<IReadOnlyList<Uri>> _nodes;
    private readonly RabbitMqProvisioner _provisioner;
    private readonly TimeSpan _connectTimeout;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IConnection? _connection;
    private bool _exchangeDeclared;

    /// <param name="nodes">The 0-9-1 URIs of the nodes, the first one's credentials and virtual host used for all.</param>
    /// <param name="exchangeName">The exchange events are sent to.</param>
    /// <param name="queueType">Classic or quorum queues.</param>
    /// <param name="connectTimeout">How long connecting may take.</param>
    public RabbitMqAmqpProvisioner(Func<IReadOnlyList<Uri>> nodes, string exchangeName, RabbitMqQueueType queueType, TimeSpan connectTimeout)
    {
        _nodes = nodes;
        _provisioner = new RabbitMqProvisioner(exchangeName, queueType);
        _connectTimeout = connectTimeout;
    }

    public async Task ProvisionListenerAsync(ListenerDescriptor listener, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(listener);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);

            // A channel per call: a refused declaration (PRECONDITION_FAILED) closes its channel.
            var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await using (channel.ConfigureAwait(false))
            {
                if (!_exchangeDeclared)
                {
                    await _provisioner.DeclareExchangeAsync(channel, cancellationToken).ConfigureAwait(false);
                    _exchangeDeclared = true;
                }

                if (listener.PerProcess)
                {
                    await DeclarePerProcessAsync(channel, listener, cancellationToken).ConfigureAwait(false);
                    await DeclareDelayQueuesAsync(channel, listener, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    // Declares the delay queues too, exactly as the RabbitMq provider does (same type and arguments).
                    await _provisioner.DeclareListenerAsync(channel, listener, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is { } connection)
        {
            _connection = null;
            try
            {
                await connection.CloseAsync().ConfigureAwait(false);
            }
            catch (AlreadyClosedException)
            {
            }

            connection.Dispose();
        }

        _gate.Dispose();
    }

    // The RabbitMq provider declares per-process queues exclusive, which only the declaring 0-9-1 connection
    // may consume; the AMQP 1.0 receiver is another connection, so here the queue is non-durable and auto-delete
    // instead: it goes away when the process's receiver detaches, which is what per-process means.
    private async Task DeclarePerProcessAsync(IChannel channel, ListenerDescriptor listener, CancellationToken cancellationToken)
    {
        var queue = RabbitMqTopology.QueueName(listener);
        await channel.QueueDeclareAsync(queue, durable: false, exclusive: false, autoDelete: true, arguments: null, cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.QueueBindAsync(queue, _provisioner.ExchangeName, RabbitMqTopology.RoutingKey(listener.Event), cancellationToken: cancellationToken).ConfigureAwait(false);
        await _provisioner.DeclareDeadLetterQueueAsync(channel, listener, cancellationToken).ConfigureAwait(false);
    }

    // A per-process listener's delay queues: one per configured delay, durable and classic (the RabbitMq provider's are
    // exclusive to its own connection, which the AMQP 1.0 sender is not). As with every delay queue: the
    // queue's TTL is the wait, then RabbitMQ dead-letters the copy through the default exchange to the listener's
    // queue. Nothing consumes it, so the consumer's slot is free meanwhile.
    private static async Task DeclareDelayQueuesAsync(IChannel channel, ListenerDescriptor listener, CancellationToken cancellationToken)
    {
        foreach (var delay in listener.Retry.Delayed.Distinct())
        {
            var arguments = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["x-message-ttl"] = (long)delay.TotalMilliseconds,
                ["x-dead-letter-exchange"] = string.Empty,
                ["x-dead-letter-routing-key"] = RabbitMqTopology.QueueName(listener),
            };
            await channel.QueueDeclareAsync(RabbitMqTopology.DelayQueueName(listener, delay), durable: true, exclusive: false, autoDelete: false,
                arguments: arguments, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<IConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        if (_connection is { IsOpen: true } open)
        {
            return open;
        }

        if (_connection is { } dead)
        {
            dead.Dispose();
            _connection = null;
        }

        var nodes = _nodes();
        var factory = new ConnectionFactory
        {
            Uri = nodes[0],
            AutomaticRecoveryEnabled = false,
            RequestedConnectionTimeout = _connectTimeout,
            ClientProvidedName = "eventing-amqp-provisioning",
        };
        try
        {
            // RabbitMQ.Client tries the nodes in a random order; a declaration made on any node holds for the cluster.
            var endpoints = nodes.Select(node => new AmqpTcpEndpoint(node.Host, node.IsDefaultPort ? -1 : node.Port, factory.Ssl)).ToList();
            _connection = await factory.CreateConnectionAsync(endpoints, cancellationToken).ConfigureAwait(false);
            return _connection;
        }
        catch (BrokerUnreachableException exception)
        {
            var endpoint = string.Join(", ", nodes.Select(node => AmqpEndpoint.Describe(node, null)));
            throw new Eventing.BrokerUnreachableException(endpoint,
                $"Could not connect to RabbitMQ at {endpoint} over AMQP 0-9-1 to declare the AMQP 1.0 provider's queues ({exception.InnerException?.Message ?? exception.Message}). " +
                "Set RabbitMqProvisioningOptions.Uri if 0-9-1 is served elsewhere.",
                exception);
        }
    }
}
