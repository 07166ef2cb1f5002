using System.CommandLine;
using Eventing.Cli.Configuration;

namespace Eventing.Cli.Commands;

/// <summary>The root command: <c>eventing send|listen|dead-letters|topology|outbox</c>.</summary>
internal static class EventingCommand
{
    public static RootCommand Create()
    {
        var connection = new ConnectionOptions();
        var root = new RootCommand(
            "eventing: send, watch and replay CloudEvents on RabbitMQ (AMQP 0-9-1), STOMP (ActiveMQ, RabbitMQ) and AMQP 1.0; flush an outbox.\n" +
            "Connection settings come from flags, else environment variables (EVENTING_PROVIDER, EVENTING_BROKER, EVENTING_STOMP_TOPOLOGY, " +
            "EVENTING_AMQP_TOPOLOGY, EVENTING_EXCHANGE, EVENTING_OUTBOX_STORE, EVENTING_OUTBOX_CONNECTION, EVENTING_OUTBOX_TABLE, EVENTING_CONFIG), " +
            "else section \"Eventing\" of the settings file.\n" +
            "Exit codes: 0 success, 1 usage error (or an unexpected error), 2 broker or outbox database unreachable or credentials refused, 3 timeout. " +
            "Errors are one line on stderr, starting with \"eventing: \"; --verbose or EVENTING_VERBOSE=1 prints the stack trace too.");
        root.Add(new Option<bool>(CommandRunner.VerboseOption, "-v")
        {
            Description = "On an error, print the stack trace before the one-line message. Env EVENTING_VERBOSE=1.",
            Recursive = true,
        });
        var examples = new Dictionary<Command, string[]>();

        var send = SendCommand.Create(connection);
        var listen = ListenCommand.Create(connection);
        var topology = TopologyCommand.Create(connection);
        var deadLetters = DeadLettersCommand.Create(connection, examples);
        root.Add(send);
        root.Add(listen);
        root.Add(deadLetters);
        root.Add(topology);
        root.Add(OutboxCommand.Create(connection, examples));
        examples[send] = SendCommand.Examples;
        examples[listen] = ListenCommand.Examples;
        examples[topology] = TopologyCommand.Examples;
        examples[root] =
        [
            "eventing send -p rabbitmq -b amqp://guest:guest@127.0.0.1:5672/ --event orders.placed --json '{\"orderId\":42}'",
            "eventing listen -p rabbitmq -b amqp://guest:guest@127.0.0.1:5672/ --event orders.placed --listener billing",
            "eventing dead-letters list -p rabbitmq -b amqp://guest:guest@127.0.0.1:5672/ --queue orders.placed::billing",
            "eventing topology -p stomp --event orders.placed --listener billing",
            "eventing outbox flush --store sqlite --connection \"Data Source=orders.db\" -p rabbitmq -b amqp://guest:guest@127.0.0.1:5672/",
            "dotnet run --project src/Eventing.Cli -- send --help",
        ];
        HelpExamples.Install(root, examples);
        return root;
    }
}
