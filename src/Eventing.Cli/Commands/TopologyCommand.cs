using System.CommandLine;
using System.Globalization;
using Eventing.Amqp.Topology;
using Eventing.Cli.Configuration;
using Eventing.Cli.Output;
using Eventing.Cli.Providers;
using Eventing.Stomp;
using Eventing.Stomp.Topology;
using RabbitTopology = Eventing.RabbitMq.Provisioning.RabbitMqTopology;

namespace Eventing.Cli.Commands;

/// <summary><c>eventing topology</c>: the broker-level names a provider uses for an event and a listener.</summary>
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
            var rows = new List<string[]>();
            var paths = new List<string[]>();
            switch (settings.Provider)
            {
                case ProviderKind.RabbitMq:
                    Rabbit(descriptor, settings, rows);
                    RabbitPaths(paths, "AMQP 0-9-1");
                    break;
                case ProviderKind.Stomp:
                    foreach (var topology in await StompTopologiesAsync(settings, ct).ConfigureAwait(false))
                    {
                        Stomp(descriptor, topology, rows);
                        if (topology.Kind == StompTopologyKind.RabbitMq)
                        {
                            RabbitPaths(paths, "STOMP");
                        }
                        else if (topology.Kind == StompTopologyKind.ActiveMq)
                        {
                            paths.Add(["STOMP on ActiveMQ", "STOMP on ActiveMQ", "all attributes", "all attributes", "binary is fine (ActiveMQ here has no AMQP 1.0)"]);
                        }
                        else
                        {
                            paths.Add(["STOMP on Artemis", "any protocol on Artemis", "not measured", "all attributes", "use structured mode when in doubt"]);
                        }
                    }

                    break;
                default:
                    Amqp(descriptor, settings, rows);
                    if (settings.AmqpTopology == "rabbitmq")
                    {
                        RabbitPaths(paths, "AMQP 1.0");
                    }
                    else
                    {
                        paths.Add(["AMQP 1.0 on Artemis", "any protocol on Artemis", "not measured", "all attributes", "use structured mode when in doubt"]);
                    }

                    break;
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

    private static void Rabbit(ListenerDescriptor listener, ConnectionSettings settings, List<string[]> rows)
    {
        rows.Add(["rabbitmq", "address", settings.Exchange, "topic exchange, routing key " + RabbitTopology.RoutingKey(listener.Event)]);
        rows.Add(["rabbitmq", "queue", RabbitTopology.QueueName(listener),
            listener.PerProcess ? "exclusive, auto-delete (goes away with the process)" : "durable, bound to " + settings.Exchange + " with key " + listener.Event.Name]);
        rows.Add(["rabbitmq", "dead-letter queue", RabbitTopology.DeadLetterQueueName(listener), "durable, through the default exchange"]);
    }

    private static void Stomp(ListenerDescriptor listener, StompTopology topology, List<string[]> rows)
    {
        var kind = "stomp/" + topology.Kind.ToString().ToLowerInvariant();
        rows.Add([kind, "address", topology.SendDestination(listener.Event), Headers("SEND", topology.SendHeaders)]);
        var subscription = topology.Subscription(listener);
        rows.Add([kind, "queue", subscription.Destination, Headers("SUBSCRIBE", subscription.Headers)]);
        rows.Add([kind, "dead-letter queue", topology.DeadLetterDestination(listener), Headers("SEND", topology.DeadLetterHeaders)]);
    }

    private static void Amqp(ListenerDescriptor listener, ConnectionSettings settings, List<string[]> rows)
    {
        AmqpTopology topology = settings.AmqpTopology == "artemis" ? AmqpTopology.Artemis : new RabbitMqAmqpTopology(settings.Exchange);
        var kind = "amqp/" + topology.Name;
        rows.Add([kind, "address", topology.SendTarget(listener.Event).ToString(), "sender target"]);
        rows.Add([kind, "queue", topology.ListenSource(listener).ToString(),
            topology.RequiresProvisioning ? "receiver source; queue and binding declared over AMQP 0-9-1 (AMQP 1.0 on 3.x cannot)" : "receiver source"]);
        rows.Add([kind, "dead-letter queue", topology.DeadLetterTarget(listener).ToString(), "sender target"]);
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

    private static async Task<List<StompTopology>> StompTopologiesAsync(ConnectionSettings settings, CancellationToken cancellationToken)
    {
        if (settings.StompTopology != StompTopologyKind.Auto)
        {
            return [StompTopology.Create(settings.StompTopology, string.Empty, settings.Endpoint)];
        }

        if (settings.Broker is null)
        {
            // Without a broker to ask, show every mapping.
            return [.. new[] { StompTopologyKind.ActiveMq, StompTopologyKind.RabbitMq, StompTopologyKind.Artemis }
                .Select(kind => StompTopology.Create(kind, string.Empty, settings.Endpoint))];
        }

        await using var owned = ProviderFactory.Create(settings);
        await owned.Provider.StartAsync(cancellationToken).ConfigureAwait(false);
        return [((StompProvider)owned.Provider).Topology];
    }

    private static string Headers(string frame, KeyValuePair<string, string>[] headers) =>
        headers.Length == 0
            ? string.Empty
            : frame + " headers " + string.Join(", ", headers.Select(header => string.Create(CultureInfo.InvariantCulture, $"{header.Key}:{header.Value}")));
}
