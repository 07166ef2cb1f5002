using System.CommandLine;
using Eventing.Cli.Configuration;
using Eventing.Cli.Output;
using Eventing.Cli.Providers;
using Eventing.Providers;
using Eventing.Stomp;

namespace Eventing.Cli.Commands;

/// <summary>
/// <c>eventing topology</c>: the broker-level names a provider uses for an event and a listener, as the provider
/// describes them (<see cref="IProviderInspector.DescribeTopology"/>), and what survives between protocols there.
/// </summary>
internal static class TopologyCommand
{
    public static readonly string[] Examples =
    [
        "eventing topology -p rabbitmq --event orders.placed --listener billing",
        "eventing topology -p stomp --stomp-topology activemq --event orders.placed --listener billing.eu",
        "eventing topology -p stomp -b stomp://guest:guest@127.0.0.1:61614 --event orders.placed --listener audit --per-process",
        "eventing topology -p amqp --event orders.placed --listener billing",
    ];

    public static Command Create(ConnectionOptions connection)
    {
        var @event = new Option<string>("--event", "-e") { Description = "The event name.", Required = true, HelpName = "NAME" };
        var listener = new Option<string>("--listener", "-l") { Description = "The listener name.", Required = true, HelpName = "NAME" };
        var perProcess = new Option<bool>("--per-process") { Description = "Show the per-process queue of --process-id." };
        var processId = new Option<string>("--process-id") { Description = "The process id in per-process names. Default <process>.", DefaultValueFactory = _ => "<process>", HelpName = "ID" };

        var command = new Command("topology",
            "Print the broker-level names a provider uses: the address events are sent to, the listener's queue and its dead-letter queue, " +
            "and which paths need structured mode on RabbitMQ 3.x. No broker is needed, except to detect a STOMP broker's kind (--stomp-topology auto with --broker).")
        {
            @event, listener, perProcess, processId,
        };
        connection.AddTo(command);
        command.SetAction((result, cancellationToken) => CommandRunner.RunAsync(result, async ct =>
        {
            var settings = connection.Resolve(result);
            var process = result.GetRequiredValue(processId);
            var descriptor = new ListenerDescriptor(
                new EventDescriptor(result.GetRequiredValue(@event)), result.GetRequiredValue(listener), result.GetValue(perProcess),
                process == "<process>" ? "process" : process);

            await using var owned = ProviderFactory.Create(settings, brokerRequired: false);
            var inspector = owned.Inspector("topology");
            if (settings.Provider == ProviderKind.Stomp && settings.StompTopology == StompTopologyKind.Auto && settings.Broker is not null)
            {
                // The STOMP provider learns its broker's kind from the CONNECTED frame; before that it describes every kind.
                await owned.StartAsync(ct).ConfigureAwait(false);
            }

            var entries = inspector.DescribeTopology(descriptor);
            var rows = new List<string[]>(entries.Count);
            var paths = new List<string[]>();
            var brokers = new List<string>();
            foreach (var entry in entries)
            {
                rows.Add([entry.Broker, entry.Role, entry.Name, entry.Details]);
                if (!brokers.Contains(entry.Broker))
                {
                    brokers.Add(entry.Broker);
                    Paths(entry.Broker, paths);
                }
            }

            Terminal.Table(["provider", "role", "broker name", "details"], rows, $"{descriptor.Event.Name} / {descriptor.Name}");
            if (paths.Count > 0)
            {
                if (Terminal.Interactive)
                {
                    Terminal.Table(["from", "to", "binary mode keeps", "structured mode keeps", "advice"], paths, "What survives where (docs/wire.md)");
                }
                else
                {
                    Terminal.Table(["kind", "from", "to", "binary", "structured", "advice"], paths.ConvertAll(path => (string[])["path", .. path]));
                }
            }

            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    // docs/wire.md, "What survives where", for a TopologyEntry.Broker: rabbitmq (AMQP 0-9-1) or <protocol>/<broker kind>.
    // The kind is matched by its start, so a provider may add a version ("rabbitmq-3").
    private static void Paths(string broker, List<string[]> paths)
    {
        var slash = broker.IndexOf('/', StringComparison.Ordinal);
        var kind = broker[(slash + 1)..];
        var protocol = slash < 0 ? "AMQP 0-9-1" : broker[..slash] switch { "stomp" => "STOMP", "amqp" => "AMQP 1.0", _ => null };
        if (protocol is null)
        {
            return;
        }

        if (kind.StartsWith("rabbitmq", StringComparison.Ordinal))
        {
            RabbitPaths(paths, protocol);
        }
        else if (kind.StartsWith("activemq", StringComparison.Ordinal))
        {
            paths.Add([protocol + " on ActiveMQ", protocol + " on ActiveMQ", "all attributes", "all attributes", "binary is fine (ActiveMQ here has no AMQP 1.0)"]);
        }
        else if (kind.StartsWith("artemis", StringComparison.Ordinal))
        {
            paths.Add([protocol + " on Artemis", "any protocol on Artemis", "not measured", "all attributes", "use structured mode when in doubt"]);
        }
    }

    // docs/wire.md, "What survives where", for the protocol this provider speaks on RabbitMQ 3.x.
    private static void RabbitPaths(List<string[]> paths, string protocol)
    {
        const string Amqp10 = "AMQP 1.0";
        string[] others = ["AMQP 0-9-1", "STOMP"];
        if (protocol == Amqp10)
        {
            paths.Add([Amqp10, Amqp10, "all attributes", "all attributes", "binary is fine"]);
            foreach (var other in others)
            {
                paths.Add([Amqp10, other, "none readable (one binary x-amqp-1.0-app-properties header)", "all attributes", "NEEDS STRUCTURED MODE (--structured)"]);
                paths.Add([other, Amqp10, "only id, content type, correlation id", "all attributes", "NEEDS STRUCTURED MODE (--structured)"]);
            }

            return;
        }

        foreach (var other in others)
        {
            paths.Add([protocol, other, "all attributes", "all attributes", "binary is fine"]);
        }

        paths.Add([protocol, Amqp10, "only id, content type, correlation id", "all attributes", "NEEDS STRUCTURED MODE (--structured)"]);
        paths.Add([Amqp10, protocol, "none readable (one binary x-amqp-1.0-app-properties header)", "all attributes", "NEEDS STRUCTURED MODE (--structured)"]);
    }
}
