namespace Eventing.Providers;

/// <summary>One broker-level name a provider uses, for <see cref="IProviderInspector.DescribeTopology"/>.</summary>
/// <param name="Broker">
/// Which mapping the name belongs to: <c>rabbitmq</c> for the AMQP 0-9-1 provider, otherwise
/// <c>&lt;protocol&gt;/&lt;broker kind&gt;</c> such as <c>stomp/activemq</c> or <c>amqp/rabbitmq</c>.
/// </param>
/// <param name="Role">What the name is: <see cref="Address"/>, <see cref="Queue"/> or <see cref="DeadLetterQueue"/>.</param>
/// <param name="Name">The name on the broker (exchange, destination, queue, link address).</param>
/// <param name="Details">How it is declared or used, for people.</param>
public sealed record TopologyEntry(string Broker, string Role, string Name, string Details)
{
    /// <summary>Where events are sent.</summary>
    public const string Address = "address";

    /// <summary>The listener's queue.</summary>
    public const string Queue = "queue";

    /// <summary>The listener's dead-letter queue.</summary>
    public const string DeadLetterQueue = "dead-letter queue";
}
