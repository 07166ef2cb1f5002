using System.Threading.Channels;
using System.CommandLine;
using System.Globalization;
using Eventing.Cli.Configuration;
using Eventing.Cli.Output;
using Eventing.Cli.Providers;
using Eventing.Providers;

namespace Eventing.Cli.Commands;

/// <summary><c>eventing listen</c>: consumes a listener's queue and prints each envelope as one JSON line.</summary>
internal static class ListenCommand
{
    public static readonly string[] Examples =
    [
        "eventing listen -p rabbitmq -b amqp://guest:guest@127.0.0.1:5672/ --event orders.placed --listener billing",
        "eventing listen -p stomp -b stomp://admin:admin@127.0.0.1:61613 --event orders.placed --listener audit --per-process",
        "eventing listen -p amqp -b amqp://guest:guest@127.0.0.1:5672 --event orders.placed --listener billing --count 1 --timeout 30 | jq .data",
    ];

    public static Command Create(ConnectionOptions connection)
    {
        var @event = new Option<string>("--event", "-e") { Description = "The event name, e.g. orders.placed.", Required = true, HelpName = "NAME" };
        var listener = new Option<string>("--listener", "-l")
        {
            Description = "The listener name: the queue is <event>::<listener>, shared (competing) with application listeners of that name.",
            Required = true,
            HelpName = "NAME",
        };
        var perProcess = new Option<bool>("--per-process") { Description = "A queue of this process only (<event>::<listener>-<process>), deleted when it exits: every copy, no competition." };
        var processId = new Option<string?>("--process-id") { Description = "The process id in per-process queue names. Default: cli-<pid>.", HelpName = "ID" };
        var count = new Option<int?>("--count", "-n") { Description = "Exit after this many envelopes (exit 3 if --timeout passes first).", HelpName = "N" };
        var timeout = new Option<double?>("--timeout", "-t") { Description = "Stop after this many seconds: exit 3 when --count was not reached, 0 without --count.", HelpName = "S" };

        var command = new Command("listen", "Consume a listener's queue, print each envelope as one line of CloudEvents JSON and ack it.")
        {
            @event, listener, perProcess, processId, count, timeout,
        };
        connection.AddTo(command);
        command.SetAction((result, cancellationToken) => CommandRunner.RunAsync(result, async ct =>
        {
            var settings = connection.Resolve(result);
            var wanted = result.GetValue(count);
            if (wanted is < 1)
            {
                throw new UsageException($"--count is {wanted}; it must be at least 1.");
            }

            var seconds = result.GetValue(timeout);
            if (seconds is <= 0)
            {
                throw new UsageException($"--timeout is {seconds}; it must be more than 0 seconds.");
            }

            var descriptor = new ListenerDescriptor(
                new EventDescriptor(result.GetRequiredValue(@event)),
                result.GetRequiredValue(listener),
                result.GetValue(perProcess),
                result.GetValue(processId) ?? "cli-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));

            await using var owned = ProviderFactory.Create(settings);
            var provider = owned.Provider;
            await owned.StartAsync(ct).ConfigureAwait(false);
            var printer = new PrintingHandler(wanted, descriptor.Queue);
            var subscription = await provider.SubscribeAsync(descriptor, ct).ConfigureAwait(false);
            await using (subscription.ConfigureAwait(false))
            {
                using var stopPrinting = new CancellationTokenSource();
                var printing = printer.PrintAsync(subscription.Deliveries, stopPrinting.Token);
                // Scripts and tests wait for this line before sending: from here on the queue exists and is consumed.
                Terminal.Status($"listening on {descriptor.Queue} ({provider.Name})");
                try
                {
                    var done = printer.Done;
                    if (seconds is { } s)
                    {
                        await done.WaitAsync(TimeSpan.FromSeconds(s), ct).ConfigureAwait(false);
                    }
                    else
                    {
                        await done.WaitAsync(ct).ConfigureAwait(false);
                    }
                }
                catch (TimeoutException) when (wanted is not null)
                {
                    throw new CommandTimeoutException(
                        $"received {printer.Received} of {wanted} envelopes on {descriptor.Queue} ({provider.Name}) within {seconds} s.");
                }
                catch (TimeoutException)
                {
                    // --timeout without --count: listened for as long as asked.
                }
                finally
                {
                    await stopPrinting.CancelAsync().ConfigureAwait(false);
                    await printing.ConfigureAwait(false);
                    await subscription.StopReceivingAsync(CancellationToken.None).ConfigureAwait(false);
                }
            }

            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    /// <summary>
    /// Prints and acks each delivery; past <c>--count</c> it gives deliveries back unprinted. One that cannot be
    /// decoded is printed as undecodable, with the reason, and acked like any other: it never stops the listening.
    /// </summary>
    private sealed class PrintingHandler(int? wanted, string queue)
    {
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _received;

        public Task Done => _done.Task;

        public int Received => Volatile.Read(ref _received);

        /// <summary>Prints deliveries one at a time until <paramref name="stop"/>.</summary>
        public async Task PrintAsync(ChannelReader<Delivery> deliveries, CancellationToken stop)
        {
            try
            {
                while (await deliveries.WaitToReadAsync(stop).ConfigureAwait(false))
                {
                    while (!stop.IsCancellationRequested && deliveries.TryRead(out var delivery))
                    {
                        if (!delivery.IsStale)
                        {
                            await HandleAsync(delivery).ConfigureAwait(false);
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // Done listening: what was not read goes back to the queue when the subscription closes.
            }
        }

        private async ValueTask HandleAsync(Delivery delivery)
        {
            if (wanted is { } limit && Volatile.Read(ref _received) >= limit)
            {
                await delivery.RequeueAsync(CancellationToken.None).ConfigureAwait(false);
                return;
            }

            // Printed before the ack: an envelope is never acked unseen (at worst it is printed twice).
            Terminal.Line(Print(delivery));
            await delivery.AckAsync(CancellationToken.None).ConfigureAwait(false);
            var received = Interlocked.Increment(ref _received);
            if (wanted is { } n && received >= n)
            {
                _done.TrySetResult();
            }
        }

        private string Print(Delivery delivery)
        {
            var envelope = delivery.Envelope;
            var problem = delivery.DecodeFailure?.Message;
            if (problem is null)
            {
                try
                {
                    if (CloudEventJson.Normalize(envelope, out problem) is { } normalized)
                    {
                        return CloudEventJson.Format(normalized);
                    }
                }
#pragma warning disable CA1031 // An envelope that cannot be shown is still shown as undecodable; the listening goes on.
                catch (Exception exception)
#pragma warning restore CA1031
                {
                    problem = exception.Message;
                }
            }

            Terminal.Status($"envelope {envelope.Id} on {queue} could not be decoded ({problem}); printed with its body as data_base64 and acked");
            return CloudEventJson.Undecodable(envelope, problem ?? "unknown");
        }
    }
}
