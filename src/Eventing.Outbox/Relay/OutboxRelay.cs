using Eventing.Outbox.Diagnostics;
using Eventing.Providers;
using Eventing.Retry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Eventing.Outbox.Relay;

/// <summary>
/// Sends what the send after commit left pending (crash, broker down, a commit outside <see cref="IOutbox.CommitAsync"/>),
/// and in ordered mode every event.
/// </summary>
internal sealed class OutboxRelay(
    OutboxPump pump,
    OutboxSignal signal,
    IEnvelopeSender sender,
    OutboxBacklogCache backlog,
    IOptions<OutboxOptions> options,
    ILogger<OutboxRelay> logger) : BackgroundService, IHostedLifecycleService
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);
    private readonly OutboxOptions _options = options.Value;

    // Cancelled only when the host's shutdown timeout runs out. Stopping ends the loop between passes; a pass
    // already sending finishes its sends and deletes first, or a confirmed event's row would stay pending and be
    // sent again by the next relay.
    private readonly CancellationTokenSource _abort = new();

    /// <summary>
    /// Stops the relay before any hosted service stops: the host stops them in reverse order of registration, so
    /// Eventing's (registered after the relay) would close the provider first and cut the sends of a pass in flight,
    /// leaving rows the broker has confirmed, or is about to, pending to be sent again.
    /// </summary>
    public Task StoppingAsync(CancellationToken cancellationToken) => StopAsync(cancellationToken);

    /// <inheritdoc />
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        using var registration = cancellationToken.Register(static state => ((CancellationTokenSource)state!).Cancel(), _abort);
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _abort.Dispose();
        base.Dispose();
    }

    /// <summary>
    /// The wait before the next pass: <paramref name="delay"/>, or less when a scheduled row falls due sooner, so it
    /// goes out on time rather than up to a poll interval late. Rows due after the pass's cutoff
    /// (<paramref name="leasedUpTo"/>) count, including those that fell due while it ran: they go at once.
    /// </summary>
    private async Task<TimeSpan> UntilNextDueAsync(TimeSpan delay, long leasedUpTo, CancellationToken stoppingToken)
    {
        long? next;
        try
        {
            next = await pump.Store.GetNextDueAsync(leasedUpTo, stoppingToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            // The next pass finds the due rows anyway, a poll interval later; it also reports the database failing.
            OutboxLog.NextDueFailed(logger, exception, pump.Store.Name);
            return delay;
        }

        if (next is not { } due)
        {
            return delay;
        }

        // No spinning: the next pass leases every row due by now, and then asks only for rows due after that.
        var wait = TimeSpan.FromMilliseconds(due - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        if (wait >= delay)
        {
            return delay;
        }

        wait = wait <= TimeSpan.Zero ? TimeSpan.Zero : wait;
        OutboxLog.WaitingForDue(logger, wait, pump.Store.Name, DateTimeOffset.FromUnixTimeMilliseconds(due));
        return wait;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.RunRelay)
        {
            return;
        }

        // The host starts the relay before Eventing (it is registered first). Rows an earlier run left behind must
        // not be sent before this application's listeners are subscribed: a provider that keeps nothing for a
        // destination nobody is bound to yet (the local one) would drop them.
        try
        {
            await sender.WhenStartedAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }

        OutboxLog.RelayStarted(logger, pump.Store.Name, _options.Ordered, _options.BatchSize, _options.MaxSendsInFlight);
        var grace = _options.Ordered ? TimeSpan.Zero : _options.GracePeriod;
        // A broker or database that refuses is given time to come back instead of being hammered every poll.
        var backoff = new Backoff(_options.PollInterval, _options.PollInterval > MaxBackoff ? _options.PollInterval : MaxBackoff);
        var delay = _options.PollInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            var more = false;
            var failed = false;
            long leasedUpTo = 0;
            try
            {
                var result = await pump.RunOnceAsync(_options.BatchSize, _options.Ordered, grace, _abort.Token).ConfigureAwait(false);
                if (result.Leased > 0)
                {
                    OutboxLog.Relayed(logger, result.Sent, result.Leased, pump.Store.Name);
                }

                if (result.Failed > 0)
                {
                    delay = backoff.Next();
                }
                else
                {
                    backoff.Reset();
                    delay = _options.PollInterval;
                }

                more = result.Failed == 0 && result.Leased == _options.BatchSize;
                leasedUpTo = result.DueBefore;
            }
            catch (OperationCanceledException) when (_abort.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // The relay must outlive a database outage; the error is logged and the pass retried.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                delay = backoff.Next();
                OutboxLog.RelayFailed(logger, exception, pump.Store.Name, delay);
                failed = true;
            }

            // After a pass that reached the database, so an outage is logged once (above), not once more here.
            if (!failed && backlog.IsDue)
            {
                try
                {
                    // Only a read: unlike a pass, it is abandoned as soon as the host stops.
                    await backlog.RefreshAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
#pragma warning disable CA1031 // The gauges keep their last reading; the relay's sending must not depend on them.
                catch (Exception exception)
#pragma warning restore CA1031
                {
                    OutboxLog.BacklogFailed(logger, exception, pump.Store.Name);
                }
            }

            if (!more)
            {
                try
                {
                    if (!failed)
                    {
                        delay = await UntilNextDueAsync(delay, leasedUpTo, stoppingToken).ConfigureAwait(false);
                    }

                    await signal.WaitAsync(delay, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }
}
