using System.CommandLine;
using System.Globalization;
using Eventing.Cli.Configuration;
using Eventing.Cli.DeadLetters;
using Eventing.Cli.Output;
using Eventing.Cli.Providers;
using Eventing.Providers;

namespace Eventing.Cli.Commands;

/// <summary>
/// <c>eventing dead-letters list|show|replay|purge</c>, through the provider's own dead-letter browser
/// (<see cref="IProviderInspector.OpenDeadLettersAsync"/>); a broker's refusal, which the provider reports as an
/// <see cref="InvalidOperationException"/> saying why, is a usage error here.
/// </summary>
internal static class DeadLettersCommand
{
    private const string Broker = "-p rabbitmq -b amqp://guest:guest@127.0.0.1:5672/";

    public static Command Create(ConnectionOptions connection, Dictionary<Command, string[]> examples)
    {
        var command = new Command("dead-letters",
            "Inspect, replay and purge the dead letters of a listener (queue <event>::<listener>.dead-letter). " +
            "Envelopes are taken without being consumed and given back when the command ends, except those replayed or purged; " +
            "while it runs, other consumers of that dead-letter queue do not see them, and afterwards they are marked redelivered.");
        examples[command] =
        [
            $"eventing dead-letters list {Broker} --queue orders.placed::billing",
            $"eventing dead-letters replay {Broker} --queue orders.placed::billing --id 5f0c…",
        ];

        var list = Sub(connection, examples, "list", "List dead letters: id, type, when and why they failed.", replay: false,
            [$"eventing dead-letters list {Broker} --queue orders.placed::billing", "eventing dead-letters list -p stomp -b stomp://admin:admin@127.0.0.1:61613 --queue orders.placed::billing --max 20"],
            static (queue, listener, letters, _, _) =>
            {
                Terminal.Table(["id", "type", "failed at", "reason", "attempt", "exception"], letters.Select(letter =>
                {
                    var headers = letter.Envelope.Headers;
                    return new[]
                    {
                        letter.Envelope.Id, letter.Envelope.Type, Header(headers, CloudEventAttributes.FailedAt), Header(headers, CloudEventAttributes.DeadLetterReason),
                        Header(headers, CloudEventAttributes.DeliveryAttempt),
                        $"{Header(headers, CloudEventAttributes.ExceptionType)}: {Header(headers, CloudEventAttributes.ExceptionMessage)}",
                    };
                }), $"{queue.Name}: {letters.Count} dead letter(s)");
                return Task.CompletedTask;
            });
        var show = Sub(connection, examples, "show", "Print dead letters as CloudEvents JSON, one per line (all, or those of --id).", replay: false,
            [$"eventing dead-letters show {Broker} --queue orders.placed::billing --id 5f0c… | jq ."],
            static (_, _, letters, _, _) =>
            {
                foreach (var letter in letters)
                {
                    Terminal.Line(CloudEventJson.Format(letter.Envelope));
                }

                return Task.CompletedTask;
            });
        var replay = Sub(connection, examples, "replay",
            "Send dead letters again (all, or those of --id) with their original id and headers, the failure headers removed and the attempt count reset, " +
            "to the failed listener's queue (or with --to-event to the event's address, so every listener gets them), then remove them. Prints their ids.",
            replay: true,
            [$"eventing dead-letters replay {Broker} --queue orders.placed::billing", $"eventing dead-letters replay {Broker} --queue orders.placed::billing --id 5f0c… --to-event"],
            static async (queue, listener, letters, toEvent, ct) =>
            {
                foreach (var letter in letters)
                {
                    var target = DeadLetterReplay.FailedListener(letter.Envelope, listener);
                    try
                    {
                        await queue.ResendAsync(DeadLetterReplay.Clean(letter.Envelope), target, toEvent, ct).ConfigureAwait(false);
                    }
                    catch (InvalidOperationException refused)
                    {
                        throw new UsageException(refused.Message, refused);
                    }

                    await queue.RemoveAsync(letter, ct).ConfigureAwait(false);
                    Terminal.Line(letter.Envelope.Id);
                }

                Terminal.Status($"replayed {letters.Count} dead letter(s) from {queue.Name}");
            });
        var purge = Sub(connection, examples, "purge", "Remove dead letters for good (all up to --max, or those of --id). Prints their ids.", replay: false,
            [$"eventing dead-letters purge {Broker} --queue orders.placed::billing --id 5f0c…"],
            static async (queue, _, letters, _, ct) =>
            {
                foreach (var letter in letters)
                {
                    await queue.RemoveAsync(letter, ct).ConfigureAwait(false);
                    Terminal.Line(letter.Envelope.Id);
                }

                Terminal.Status($"purged {letters.Count} dead letter(s) from {queue.Name}");
            });

        command.Add(list);
        command.Add(show);
        command.Add(replay);
        command.Add(purge);
        return command;
    }

    private delegate Task Work(IDeadLetterBrowser queue, ListenerDescriptor listener, List<DeadLetter> letters, bool toEvent, CancellationToken cancellationToken);

    private static Command Sub(ConnectionOptions connection, Dictionary<Command, string[]> examples, string name, string description, bool replay, string[] lines, Work work)
    {
        var queueOption = new Option<string>("--queue", "-q")
        {
            Description = "The listener's queue <event>::<listener> or its dead-letter queue <event>::<listener>.dead-letter.",
            Required = true,
            HelpName = "Q",
        };
        var ids = new Option<string[]>("--id") { Description = "Only the dead letter with this message id. Repeatable.", HelpName = "ID" };
        var max = new Option<int>("--max") { Description = "Read at most this many dead letters. Default 1000.", DefaultValueFactory = _ => 1000, HelpName = "N" };
        var wait = new Option<double>("--wait")
        {
            Description = "STOMP and AMQP: stop reading when no dead letter arrived for this many seconds (they have no \"queue is empty\" answer). Default 2.",
            DefaultValueFactory = _ => 2,
            HelpName = "S",
        };
        var toEvent = new Option<bool>("--to-event") { Description = "Replay to the event's address (every listener gets it again) instead of the failed listener's queue." };
        var command = new Command(name, description) { queueOption, ids, max, wait };
        if (replay)
        {
            command.Add(toEvent);
        }

        connection.AddTo(command);
        examples[command] = lines;
        command.SetAction((result, cancellationToken) => CommandRunner.RunAsync(result, async ct =>
        {
            var settings = connection.Resolve(result);
            var listener = DeadLetterReplay.ListenerOf(result.GetRequiredValue(queueOption));
            var limit = result.GetValue(max);
            if (limit < 1)
            {
                throw new UsageException($"--max is {limit}; it must be at least 1.");
            }

            var idle = result.GetValue(wait);
            if (idle <= 0)
            {
                throw new UsageException($"--wait is {idle.ToString(CultureInfo.InvariantCulture)}; it must be more than 0 seconds.");
            }

            var wanted = result.GetValue(ids) ?? [];
            await using var owned = ProviderFactory.Create(settings);
            var inspector = owned.Inspector("dead-letters");
            await owned.StartAsync(ct).ConfigureAwait(false);

            // Disposed before the provider stops: it gives back what was taken and not removed.
            await using var queue = await OpenAsync(inspector, listener, ct).ConfigureAwait(false);
            var letters = await queue.ReadAsync(limit, TimeSpan.FromSeconds(idle), ct).ConfigureAwait(false);
            var selected = wanted.Length == 0 ? [.. letters] : letters.Where(letter => Array.IndexOf(wanted, letter.Envelope.Id) >= 0).ToList();
            var missing = wanted.Where(id => !selected.Exists(letter => letter.Envelope.Id == id)).ToList();
            await work(queue, listener, selected, replay && result.GetValue(toEvent), ct).ConfigureAwait(false);
            if (missing.Count > 0)
            {
                throw new UsageException($"No dead letter with id {string.Join(", ", missing)} among the {letters.Count} read from {queue.Name} (--max {limit}).");
            }

            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static async Task<IDeadLetterBrowser> OpenAsync(IProviderInspector inspector, ListenerDescriptor listener, CancellationToken cancellationToken)
    {
        try
        {
            return await inspector.OpenDeadLettersAsync(listener, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException refused)
        {
            // No such queue, or no access to it: the provider's message says which and what to do.
            throw new UsageException(refused.Message, refused);
        }
    }

    private static string Header(EnvelopeHeaders headers, string name) => headers.TryGetValue(name, out var value) ? value : string.Empty;
}
