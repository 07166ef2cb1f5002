using Eventing.Amqp;
using Eventing.Stomp;

namespace Eventing.Cli.Tests;

/// <summary>A provider on a broker, as CLI flags and as a library configuration.</summary>
public sealed record Target(string Name, string Provider, string UriVariable)
{
    public static readonly Target RabbitMq = new("rabbitmq", "rabbitmq", "EVENTING_RABBITMQ_URI");
    public static readonly Target StompRabbitMq = new("stomp-rabbitmq", "stomp", "EVENTING_RABBITMQ_STOMP_URI");
    public static readonly Target StompActiveMq = new("stomp-activemq", "stomp", "EVENTING_ACTIVEMQ_STOMP_URI");
    public static readonly Target Amqp = new("amqp-rabbitmq", "amqp", "EVENTING_RABBITMQ_AMQP10_URI");

    public static TheoryData<string> All => [RabbitMq.Name, StompRabbitMq.Name, StompActiveMq.Name, Amqp.Name];

    public static Target Named(string name) => new[] { RabbitMq, StompRabbitMq, StompActiveMq, Amqp }.Single(target => target.Name == name);

    public Task<string> UriAsync() => TestBrokers.GetAsync(UriVariable);

    public async Task<string[]> FlagsAsync() => ["--provider", Provider, "--broker", await UriAsync()];

    public void Configure(EventingBuilder events, Uri uri)
    {
        _ = Provider switch
        {
            "rabbitmq" => events.UseRabbitMq(rabbit => rabbit.Uri = uri),
            "stomp" => events.UseStomp(stomp => stomp.Uri = uri),
            _ => events.UseAmqp(amqp =>
            {
                amqp.Uri = uri;
                amqp.UseRabbitMqProvisioning();
            }),
        };
    }

    public override string ToString() => Name;
}
