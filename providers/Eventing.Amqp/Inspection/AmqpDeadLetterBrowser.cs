using Amqp;
using Amqp.Framing;
using Eventing.Amqp.Connections;
using Eventing.Amqp.Sending;
using Eventing.Amqp.Topology;
using Eventing.Amqp.Wire;
using Eventing.Providers;
using Microsoft.Extensions.Logging.Abstractions;

namespace Eventing.Amqp.Inspection;

/// <summary>
/// AMQP 1.0: a receiver link, on a connection of its own, on the dead-letter queue with credit for the maximum asked, taken until the queue
/// is quiet for the idle time. Removed messages are accepted; the rest are released when the link closes, and the
/// broker delivers them again later (RabbitMQ 3.x has no browsing <c>copy</c> distribution mode for queues).
/// Replays are sent unsettled and the dead letter is accepted only after the broker accepted the replay.
/// </summary>
internal sealed class AmqpDeadLetterBrowser : IDeadLetterBrowser
{
    private static readonly TimeSpan AttachTimeout = TimeSpan.FromSeconds(10);

    private readonly AmqpConnection _connection;
    private readonly AmqpTopology _topology;
    private readonly Session _session;
    private readonly ReceiverLink _receiver;
    private readonly Dictionary<string, SenderLink> _senders = new(StringComparer.Ordinal);
    private bool _credited;

    private AmqpDeadLetterBrowser(AmqpConnection connection, AmqpTopology topology, Session session, ReceiverLink receiver, string address)
    {
        _connection = connection;
        _topology = topology;
        _session = session;
        _receiver = receiver;
        Name = address;
    }

    public string Name { get; }

    public static async Task<AmqpDeadLetterBrowser> OpenAsync(AmqpProviderOptions options, ListenerDescriptor listener, CancellationToken cancellationToken)
    {
        var connection = new AmqpConnection(options, NullLogger.Instance);
        try
        {
            await connection.StartAsync(cancellationToken).ConfigureAwait(false);
            var open = await connection.WaitAsync(urgent: true, Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
            var terminus = options.Topology.DeadLetterTarget(listener);
            var source = terminus.ToSource();

            var session = new Session(open);
            var attached = new TaskCompletionSource<Error?>(TaskCreationOptions.RunContinuationsAsynchronously);
            var receiver = new ReceiverLink(session, "eventing-cli-dead-letters", source, (_, attach) =>
            {
                if (attach.Source is not null)
                {
                    attached.TrySetResult(null);
                }
            });
            receiver.AddClosedCallback((_, error) => attached.TrySetResult(error ?? new Error(ErrorCode.DetachForced) { Description = "the broker detached the link" }));
            var refused = await attached.Task.WaitAsync(AttachTimeout, cancellationToken).ConfigureAwait(false);
            if (refused is not null)
            {
                throw new InvalidOperationException($"Cannot read {terminus.Address} on {connection.Endpoint}: {refused.Condition} {refused.Description}. The dead-letter queue of a listener is named by IProviderInspector.DescribeTopology (`eventing topology`).");
            }

            return new AmqpDeadLetterBrowser(connection, options.Topology, session, receiver, terminus.Address);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async Task<IReadOnlyList<DeadLetter>> ReadAsync(int max, TimeSpan idle, CancellationToken cancellationToken)
    {
        if (!_credited)
        {
            _receiver.SetCredit(max, autoRestore: false);
            _credited = true;
        }

        var letters = new List<DeadLetter>();
        while (letters.Count < max)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var message = await _receiver.ReceiveAsync(idle).ConfigureAwait(false);
            if (message is null)
            {
                break;
            }

            letters.Add(new AmqpDeadLetter(AmqpWire.Decode(message, NullLogger.Instance, Name), message));
        }

        return letters;
    }

    public Task RemoveAsync(DeadLetter letter, CancellationToken cancellationToken)
    {
        var taken = letter as AmqpDeadLetter ?? throw new ArgumentException("The dead letter was not read from an AMQP 1.0 dead-letter queue.", nameof(letter));
        _receiver.Accept(taken.Message);
        return Task.CompletedTask;
    }

    public async Task ResendAsync(Envelope envelope, ListenerDescriptor listener, bool toEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(listener);
        // The listener's own queue, so listeners that handled the event already do not get it again.
        var terminus = toEvent ? _topology.SendTarget(listener.Event) : _topology.ListenSource(listener);
        if (!toEvent && _topology.RequiresProvisioning)
        {
            // On RabbitMQ the source /amq/queue/<queue> is also a target that reaches that queue through the default exchange.
            terminus = new AmqpTerminus(terminus.Address);
        }

        if (!_senders.TryGetValue(terminus.Address, out var sender))
        {
            sender = new SenderLink(_session, "eventing-cli-replay-" + _senders.Count, terminus.ToTarget(), null);
            _senders[terminus.Address] = sender;
        }

        try
        {
            await sender.SendAsync(AmqpWire.Encode(envelope, durable: true), TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        }
        catch (AmqpException exception)
        {
            throw new InvalidOperationException($"{terminus.Address} on {_connection.Endpoint} refused message {envelope.Id}: {exception.Error?.Condition} {exception.Error?.Description}. It stays in {Name}.");
        }
        catch (TimeoutException exception)
        {
            throw new BrokerUnreachableException(_connection.Endpoint, $"{_connection.Endpoint} did not confirm message {envelope.Id} within 30 s; it stays in {Name}.", exception);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Closing the receiver releases what was taken and not accepted.
        await _receiver.CloseAsync().ConfigureAwait(false);
        foreach (var sender in _senders.Values)
        {
            await sender.CloseAsync().ConfigureAwait(false);
        }

        await _session.CloseAsync().ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
    }
}
