using System.CommandLine;
using Eventing.Cli.Configuration;

namespace Eventing.Cli.Commands;

internal static class DeadLettersCommand
{
    public static Command Create(ConnectionOptions connection, Dictionary<Command, string[]> examples)
    {
        _ = connection;
        _ = examples;
        return new Command("dead-letters", "Inspect, replay and purge a listener's dead letters.");
    }
}
