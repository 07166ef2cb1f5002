using Eventing.Providers;
using RabbitMQ.Client;

namespace Eventing.RabbitMq.Hosting;

/// <summary>
/// Hands RabbitMQ.Client the cluster's nodes in the order <see cref="RabbitMqProviderOptions.EndpointOrder"/> asks
/// for. The client asks anew for every connection and every recovery attempt and tries the nodes in turn.
/// </summary>
internal sealed class FailoverEndpointResolver(FailoverEndpoints<AmqpTcpEndpoint> endpoints) : IEndpointResolver
{
    public IEnumerable<AmqpTcpEndpoint> All() => endpoints.NextRound();
}
