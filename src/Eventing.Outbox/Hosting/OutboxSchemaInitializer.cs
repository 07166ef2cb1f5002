using Eventing.Outbox.Diagnostics;
using Eventing.Outbox.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Eventing.Outbox.Hosting;

/// <summary>Creates or migrates the outbox table when the host starts, before the relay reads it.</summary>
internal sealed class OutboxSchemaInitializer(IOutboxStore store, IOptions<OutboxOptions> options, ILogger<OutboxSchemaInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.CreateSchema)
        {
            await store.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
            OutboxLog.SchemaReady(logger, store.Name);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
