namespace Eventing.Cli.Providers;

/// <summary>The providers the CLI drives.</summary>
internal enum ProviderKind
{
    /// <summary>RabbitMQ over AMQP 0-9-1 (Eventing.RabbitMq).</summary>
    RabbitMq,

    /// <summary>STOMP 1.2 on ActiveMQ Classic, RabbitMQ or Artemis (Eventing.Stomp).</summary>
    Stomp,

    /// <summary>AMQP 1.0 on RabbitMQ 3.x or Artemis (Eventing.Amqp).</summary>
    Amqp,
}
