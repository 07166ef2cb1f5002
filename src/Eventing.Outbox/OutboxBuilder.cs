using Eventing.Outbox.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Eventing.Outbox;

/// <summary>Configures the outbox inside <c>events.AddOutbox(...)</c>; a store package adds its <c>UseXyz(...)</c>.</summary>
public sealed class OutboxBuilder
{
    internal OutboxBuilder(IServiceCollection services) => Services = services;

    /// <summary>The service collection, for store packages.</summary>
    public IServiceCollection Services { get; }

    internal bool HasStore { get; private set; }

    /// <summary>Changes <see cref="OutboxOptions"/>.</summary>
    public OutboxBuilder Configure(Action<OutboxOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Services.Configure(configure);
        return this;
    }

    /// <summary>Sends the events of one ordering key in commit order; see <see cref="OutboxOptions.Ordered"/>.</summary>
    public OutboxBuilder Ordered(Func<Envelope, string>? orderingKey = null) => Configure(options =>
    {
        options.Ordered = true;
        options.OrderingKey = orderingKey;
    });

    /// <summary>Uses a store; store packages call this from their <c>UseSqlite(...)</c>, <c>UsePostgreSql(...)</c>.</summary>
    public OutboxBuilder UseStore(Func<IServiceProvider, IOutboxStore> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        if (HasStore)
        {
            throw new InvalidOperationException("The outbox already has a store. Call exactly one of UseSqlite(...) or UsePostgreSql(...) inside AddOutbox.");
        }

        HasStore = true;
        Services.AddSingleton(factory);
        return this;
    }
}
