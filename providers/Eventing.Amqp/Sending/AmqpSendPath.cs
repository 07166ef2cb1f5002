using System.Collections.Concurrent;
using Amqp;
using Amqp.Framing;
using Eventing.Amqp.Connections;
using Eventing.Amqp.Diagnostics;
using Eventing.Amqp.Topology;
using Eventing.Amqp.Wire;
using Eventing.Providers;
using Microsoft.Extensions.Logging;
using AmqpConnectionObject = Amqp.Connection;

namespace Eventing.Amqp.Sending;

/// <summary>
/// Sends envelopes: one session for all senders and one sender link per target address, created on first use
/// and again after a lost connection. Durable sends go unsettled, with as many in flight as callers start, and
/// complete on the broker's <c>accepted</c>; what was in flight when a link or the connection broke is sent
/// again on the new link (at least once), until <see cref="AmqpProviderOptions.SendTimeout"/>.
/// </summary>
internal sealed class AmqpSendPath
{
    private static readonly OutcomeCallback OnOutcome = HandleOutcome;

    // Link errors that a retry cannot fix while the connection stays up: fail the send at once and say why.
    private static readonly string[] PermanentConditions =
    [
        ErrorCode.NotFound, ErrorCode.UnauthorizedAccess, ErrorCode.PreconditionFailed, ErrorCode.InvalidField,
        ErrorCode.NotAllowed, ErrorCode.NotImplemented,
    ];

    private readonly AmqpConnection _connection;
    private readonly ILogger _logger;
    private readonly TimeSpan _sendTimeout;
    private readonly Lock _gate = new();
    private Links? _links;
    private int _linkNumber;

    public AmqpSendPath(AmqpConnection connection, TimeSpan sendTimeout, ILogger logger)
    {
        _connection = connection;
        _sendTimeout = sendTimeout;
        _logger = logger;
    }

    /// <summary>
    /// Sends <paramref name="envelope"/> to <paramref name="target"/>. Durable: completes when the broker accepted
    /// it. Not durable: sent pre-settled, completes once handed to the connection.
    /// </summary>
    public ValueTask SendAsync(AmqpTerminus target, Envelope envelope, bool durable, CancellationToken cancellationToken)
    {
        var deadline = new SendDeadline(_sendTimeout);
        var links = Volatile.Read(ref _links);
        if (links is not null && links.Senders.TryGetValue(target.Address, out var link))
        {
            var message = AmqpWire.Encode(envelope, durable);
            try
            {
                if (!durable)
                {
                    link.Send(message, null, null);
                    return default;
                }

                var pending = new PendingSend(this, target, envelope, deadline) { Link = link };
                link.Send(message, OnOutcome, pending);
                return new ValueTask(pending.Task);
            }
            catch (AmqpException)
            {
                // The link or connection is going away; the slow path waits for its replacement.
            }
        }

        return SendSlowAsync(target, envelope, durable, deadline, cancellationToken);
    }

    private async ValueTask SendSlowAsync(AmqpTerminus target, Envelope envelope, bool durable, SendDeadline deadline, CancellationToken cancellationToken)
    {
        while (true)
        {
            var link = await GetSenderAsync(target, deadline, cancellationToken).ConfigureAwait(false);
            var message = AmqpWire.Encode(envelope, durable);
            try
            {
                if (!durable)
                {
                    link.Send(message, null, null);
                    return;
                }

                var pending = new PendingSend(this, target, envelope, deadline) { Link = link };
                link.Send(message, OnOutcome, pending);
                await pending.Task.ConfigureAwait(false);
                return;
            }
            catch (AmqpException exception) when (IsLinkGoing(link, exception))
            {
                // Lost between getting the link and sending on it: try the next one.
                await AbandonAsync(link, target).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// The link cannot take the send because it, its session or its connection is going away. RabbitMQ detaches
    /// links and ends the session before the link reports IsClosed (measured: sends failed with a raw
    /// <c>AmqpException: shutdown</c>), so the exception's error is checked too; only an error a retry cannot fix
    /// on a live connection ends the send.
    /// </summary>
    private bool IsLinkGoing(SenderLink link, AmqpException exception) =>
        link.IsClosed || link.Session.IsClosed || link.Session.Connection.IsClosed
        || exception.Error is null || !IsPermanent(exception.Error) || _connection.Current is not { IsClosed: false };

    /// <summary>Forgets a link that failed a send, so the next attempt attaches a new one; paced, never a spin.</summary>
    private async Task AbandonAsync(SenderLink link, AmqpTerminus target)
    {
        var links = Volatile.Read(ref _links);
        links?.Senders.TryRemove(new KeyValuePair<string, SenderLink>(target.Address, link));
        await Task.Delay(AbandonPause).ConfigureAwait(false);
    }

    // Between the broker's detach and the session's or connection's close event.
    private static readonly TimeSpan AbandonPause = TimeSpan.FromMilliseconds(20);

    // Runs on the connection's I/O thread: decide quickly, never block.
    private static void HandleOutcome(ILink sender, Message message, Outcome outcome, object state)
    {
        var pending = (PendingSend)state;
        var link = (SenderLink)sender;
        if (Interlocked.CompareExchange(ref pending.Link, null, link) != link)
        {
            return;
        }

        if (outcome is Accepted)
        {
            pending.TrySetResult();
            return;
        }

        pending.Owner.OnNotAccepted(link, outcome, pending);
    }

    private void OnNotAccepted(SenderLink link, Outcome outcome, PendingSend pending)
    {
        // AMQPNetLite reports the sends of an aborted link, session or connection as rejected with that error
        // (released when detached without one): those were never settled by the broker and are sent again.
        var linkLost = link.IsClosed || link.Error is not null || link.Session.IsClosed || link.Session.Connection.IsClosed;
        if (outcome is Rejected rejected && !linkLost)
        {
            pending.TrySetException(new InvalidOperationException(
                $"The broker rejected event {pending.Envelope.Id} ({pending.Envelope.Type}) sent to {pending.Target.Address} on {_connection.Endpoint}: " +
                $"{rejected.Error?.Condition} {rejected.Error?.Description}".TrimEnd(),
                rejected.Error is null ? null : new AmqpException(rejected.Error)));
            return;
        }

        if (linkLost && link.Error is { } error && IsPermanent(error) && _connection.Current is { IsClosed: false })
        {
            pending.TrySetException(new InvalidOperationException(
                $"Could not send event {pending.Envelope.Id} to {pending.Target.Address} on {_connection.Endpoint}: the broker refused the link ({error.Condition}: {error.Description}).",
                new AmqpException(error)));
            return;
        }

        // `released` from a live broker means "not taken, try again": pause a little so it is not a busy loop.
        _ = ResendAsync(pending, linkLost ? TimeSpan.Zero : TimeSpan.FromMilliseconds(50));
    }

    private async Task ResendAsync(PendingSend pending, TimeSpan pause)
    {
        try
        {
            if (pause > TimeSpan.Zero)
            {
                await Task.Delay(pause).ConfigureAwait(false);
            }

            while (true)
            {
                var link = await GetSenderAsync(pending.Target, pending.Deadline, CancellationToken.None).ConfigureAwait(false);
                Log.Resending(_logger, pending.Envelope.Id, pending.Target.Address);
                Volatile.Write(ref pending.Link, link);
                try
                {
                    link.Send(AmqpWire.Encode(pending.Envelope, durable: true), OnOutcome, pending);
                    return;
                }
                catch (AmqpException exception) when (IsLinkGoing(link, exception))
                {
                    Interlocked.CompareExchange(ref pending.Link, null, link);
                    await AbandonAsync(link, pending.Target).ConfigureAwait(false);
                }
            }
        }
        catch (Exception exception)
        {
            pending.TrySetException(exception);
        }
    }

    /// <summary>The sender link to <paramref name="target"/>, waiting for the connection until the send's deadline.</summary>
    private async ValueTask<SenderLink> GetSenderAsync(AmqpTerminus target, SendDeadline deadline, CancellationToken cancellationToken)
    {
        while (true)
        {
            var remaining = deadline.Remaining;
            if (remaining <= TimeSpan.Zero)
            {
                throw Unreachable(target, null);
            }

            AmqpConnectionObject connection;
            try
            {
                connection = await _connection.WaitAsync(urgent: true, remaining, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException exception)
            {
                throw Unreachable(target, exception);
            }

            if (TryGetOrCreate(connection, target, out var link))
            {
                return link;
            }

            // The connection broke while we attached; wait for the next one.
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Closes every sender link once it has written what it holds, before the connection goes. A send that is not
    /// durable completes when it is handed to its link, and AMQPNetLite keeps it there until the broker grants the
    /// link credit, one round trip after the attach; closing the connection at once would drop it without a word.
    /// </summary>
    public async Task CloseLinksAsync(TimeSpan timeout)
    {
        if (Volatile.Read(ref _links) is not { } links)
        {
            return;
        }

        var closing = new List<Task>(links.Senders.Count);
        foreach (var link in links.Senders.Values)
        {
            closing.Add(AmqpClose.QuietlyAsync(link, timeout));
        }

        await Task.WhenAll(closing).ConfigureAwait(false);
    }

    private bool TryGetOrCreate(AmqpConnectionObject connection, AmqpTerminus target, out SenderLink link)
    {
        lock (_gate)
        {
            try
            {
                var links = _links;
                if (links is null || !ReferenceEquals(links.Connection, connection) || links.Session.IsClosed)
                {
                    links = new Links(connection, new Session(connection));
                    Volatile.Write(ref _links, links);
                }

                if (links.Senders.TryGetValue(target.Address, out var existing) && !existing.IsClosed)
                {
                    link = existing;
                    return true;
                }

                var name = $"eventing-send-{target.Address}-{Interlocked.Increment(ref _linkNumber)}";
                link = new SenderLink(links.Session, name, target.ToTarget(), null);
                var created = link;
                link.AddClosedCallback((_, error) => OnSenderClosed(links, target.Address, created, error));
                links.Senders[target.Address] = link;
                return true;
            }
            catch (AmqpException)
            {
                link = null!;
                return false;
            }
            catch (ObjectDisposedException)
            {
                link = null!;
                return false;
            }
        }
    }

    private void OnSenderClosed(Links links, string address, SenderLink link, Error? error)
    {
        links.Senders.TryRemove(new KeyValuePair<string, SenderLink>(address, link));
        if (error is not null && !links.Connection.IsClosed)
        {
            Log.SenderLost(_logger, address, error.Condition, error.Description ?? string.Empty);
        }
    }

    private BrokerUnreachableException Unreachable(AmqpTerminus target, Exception? inner) => new(
        _connection.Endpoint,
        $"Could not send to {target.Address}: the broker at {_connection.Endpoint} has been unreachable for {_sendTimeout.TotalSeconds:0.#} s (AmqpProviderOptions.SendTimeout). " +
        "The provider keeps reconnecting; check that the broker is running and accepts connections on that host and port, and that nothing (firewall, TLS settings) stands between, then send the message again.",
        inner);

    private static bool IsPermanent(Error error)
    {
        foreach (var condition in PermanentConditions)
        {
            if (string.Equals(error.Condition, condition, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The session and sender links of one connection.</summary>
    private sealed class Links(AmqpConnectionObject connection, Session session)
    {
        public AmqpConnectionObject Connection { get; } = connection;

        public Session Session { get; } = session;

        public ConcurrentDictionary<string, SenderLink> Senders { get; } = new(StringComparer.Ordinal);
    }
}
