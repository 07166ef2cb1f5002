namespace Eventing.Outbox;

/// <summary>Settings of the outbox and its relay. The defaults suit production.</summary>
public sealed class OutboxOptions
{
    /// <summary>The table that holds pending events; <c>schema.table</c> is allowed on PostgreSQL. Default <c>eventing_outbox</c>.</summary>
    public string TableName { get; set; } = "eventing_outbox";

    /// <summary>Creates or migrates the table and its indexes when the host starts. Default true.</summary>
    public bool CreateSchema { get; set; } = true;

    /// <summary>
    /// Sends the events of one ordering key in commit order (like Flask-SignalBus's <c>flushordered</c>). Writers of one
    /// key are serialized from insert to commit, and only the relay sends, one event of a key at a time. Default false.
    /// </summary>
    public bool Ordered { get; set; }

    /// <summary>The ordering key of an envelope in ordered mode. Default <see langword="null"/>: the event type.</summary>
    public Func<Envelope, string>? OrderingKey { get; set; }

    /// <summary>Runs the relay as a hosted service. Default true; turn it off in processes that only record.</summary>
    public bool RunRelay { get; set; } = true;

    /// <summary>
    /// How old a pending row must be before the relay sends it, so it does not race the send after commit. Ignored in
    /// ordered mode, where only the relay sends. Default 10 s.
    /// </summary>
    public TimeSpan GracePeriod { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the relay looks for pending rows when it has nothing to do. Default 1 s.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How many rows the relay reads at once. Default 500.</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>How many sends the relay keeps in flight at once (across ordering keys in ordered mode). Default 128.</summary>
    public int MaxSendsInFlight { get; set; } = 128;
}
