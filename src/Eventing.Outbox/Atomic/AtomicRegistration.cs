using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Eventing.Outbox.Atomic;

/// <summary>Registers <see cref="IAtomicProcedures"/> for the outbox's store; store packages call it from <c>UseXyz(...)</c>.</summary>
internal static class AtomicRegistration
{
    public static void AddAtomicProcedures(IServiceCollection services, Func<IServiceProvider, OpenAtomicConnection> open)
    {
        AddAtomicOptions(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IAtomicProcedures>(provider => new AtomicProcedures(
            open(provider),
            provider.GetRequiredService<TransactionalOutbox>(),
            provider.GetRequiredService<IOptions<AtomicOptions>>(),
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<ILogger<AtomicProcedures>>()));
    }

    /// <summary>The options alone, for EF Core contexts that run atomic procedures without an outbox store.</summary>
    public static void AddAtomicOptions(IServiceCollection services)
    {
        services.AddOptions<AtomicOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AtomicOptions>, AtomicOptionsValidator>());
    }
}
