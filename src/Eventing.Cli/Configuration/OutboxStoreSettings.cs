namespace Eventing.Cli.Configuration;

/// <summary>The outbox database and table, resolved from flags, environment variables and the settings file.</summary>
internal sealed record OutboxStoreSettings(OutboxStoreKind Kind, string ConnectionString, string Table);
