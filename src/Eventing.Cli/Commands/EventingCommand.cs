using System.CommandLine;
using Eventing.Cli.Configuration;

namespace Eventing.Cli.Commands;

/// <summary>The root command: <c>eventing send|listen|dead-letters|topology</c>.</summary>
internal static class EventingCommand
{
    public static RootCommand Create()
    {
        var connection = new ConnectionOptions();
        var root = new RootCommand(
            "eventing: send, watch and replay CloudEvents on RabbitMQ (AMQP 0-9-1), STOMP (ActiveMQ, RabbitMQ) and AMQP 1.0.\n" +
            "Connection settings come from flags, else environment variables (EVENTING_PROVIDER, EVENTING_BROKER, EVENTING_STOMP_TOPOLOGY, " +
            "EVENTING_AMQP_TOPOLOGY, EVENTING_EXCHANGE, EVENTING_CONFIG), else section \"Eventing\" of the settings file.\n" +
            "Exit codes: 0 success, 1 usage error, 2 broker unreachable or credentials refused, 3 timeout.");
        var examples = new Dictionary<Command, string[]>();

        var send = SendCommand.Create(connection);
        var listen = ListenCommand.Create(connection);
        var topology = TopologyCommand.Create(connection);
        var deadLetters = DeadLettersCommand.Create(connection, examples);
        root.Add(send);
        root.Add(listen);
        root.Add(deadLetters);
        root.Add(topology);
        examples[send] = SendCommand.Examples;
        examples[listen] = ListenCommand.Examples;
        examples[topology] = TopologyCommand.Examples;
        examples[root] =
        [
            "eventing send -p rabbitmq -b amqp://guest:guest@127.0.0.1:5672/ --event orders.placed --json '{\"orderId\":42}'",
            "eventing listen -p rabbitmq -b amqp://guest:guest@127.0.0.1:5672/ --event orders.placed --listener billing",
            "eventing dead-letters list -p rabbitmq -b amqp://guest:guest@127.0.0.1:5672/ --queue orders.placed::billing",
            "eventing topology -p stomp --event orders.placed --listener billing",
            "dotnet run --project src/Eventing.Cli -- send --help",
        ];
        HelpExamples.Install(root, examples);
        return root;
    }
}
