using Microsoft.Extensions.Logging.Abstractions;

namespace Eventing.Amqp.Tests.Infrastructure;

/// <summary>Builds an <see cref="AmqpProvider"/> on the test broker with RabbitMQ provisioning, below the core.</summary>
internal static class ProviderHarness
{
    public static async Task<AmqpProvider> StartAsync(Action<AmqpProviderOptions>? configure = null)
    {
        await Broker.EnsureUpAsync();
        var options = new AmqpProviderOptions { Uri = Broker.AmqpUri };
        options.UseRabbitMqProvisioning(rabbit => rabbit.Uri = Broker.Amqp091Uri);
        configure?.Invoke(options);
        var provider = new AmqpProvider(options, NullLoggerFactory.Instance);
        await provider.StartAsync(CancellationToken.None);
        return provider;
    }

    public static string Unique(string name) => $"{name}.{Guid.NewGuid():N}";
}
