namespace Eventing.Outbox.Storage;

/// <summary>
/// One pending event as a row: the envelope's CloudEvents attributes and body, plus what the relay needs to send it.
/// Store packages map it to columns of the same names (<c>seq</c>, <c>message_id</c>, <c>event</c>, ...).
/// </summary>
public sealed class OutboxRecord
{
    /// <summary>Column <c>seq</c>: assigned by the database on insert; the commit order of an ordering key.</summary>
    public long Sequence { get; set; }

    /// <summary>Column <c>message_id</c>: the envelope id, kept on every resend so listeners can dedupe.</summary>
    public string MessageId { get; set; } = "";

    /// <summary>Column <c>event</c>: the event name (CloudEvents <c>type</c>).</summary>
    public string EventName { get; set; } = "";

    /// <summary>Column <c>ordering_key</c>: set in ordered mode only.</summary>
    public string? OrderingKey { get; set; }

    /// <summary>Column <c>durable</c>: whether the event waits for a broker confirm.</summary>
    public bool Durable { get; set; }

    /// <summary>Column <c>created_at</c>: when the row was recorded, Unix milliseconds.</summary>
    public long CreatedAt { get; set; }

    /// <summary>
    /// Column <c>due_at</c>: for a scheduled send, the time (Unix milliseconds) before which the relay must not send
    /// it; <see langword="null"/> for an event sent right after its commit.
    /// </summary>
    public long? DueAt { get; set; }

    /// <summary>Column <c>source</c>: CloudEvents <c>source</c>.</summary>
    public string Source { get; set; } = "";

    /// <summary>Column <c>time</c>: CloudEvents <c>time</c> as sent (RFC 3339).</summary>
    public string Time { get; set; } = "";

    /// <summary>Column <c>content_type</c>: CloudEvents <c>datacontenttype</c>.</summary>
    public string ContentType { get; set; } = "";

    /// <summary>Column <c>headers</c>: the extension attributes as a JSON object of strings.</summary>
    public string Headers { get; set; } = "{}";

    /// <summary>Column <c>body</c>: the data.</summary>
    public byte[] Body { get; set; } = [];
}
