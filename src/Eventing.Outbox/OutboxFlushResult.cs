namespace Eventing.Outbox;

/// <summary>What <see cref="OutboxFlusher.FlushAsync"/> did.</summary>
/// <param name="Sent">Events sent and deleted.</param>
/// <param name="Failed">Events whose send failed in the last pass; they are still pending.</param>
public readonly record struct OutboxFlushResult(int Sent, int Failed);
