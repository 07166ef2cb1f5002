namespace Eventing.Cli.Configuration;

/// <summary>The outbox stores the CLI can flush.</summary>
internal enum OutboxStoreKind
{
    /// <summary>Eventing.Outbox.Sqlite.</summary>
    Sqlite,

    /// <summary>Eventing.Outbox.PostgreSql.</summary>
    PostgreSql,
}
