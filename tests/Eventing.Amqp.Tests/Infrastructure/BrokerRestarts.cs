namespace Eventing.Amqp.Tests.Infrastructure;

/// <summary>
/// Tests that stop or restart the broker, or break connections on purpose, run alone: every other test class
/// of this assembly shares the broker and would see its connection drop.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BrokerRestarts
{
    public const string Name = "broker restarts";
}
