namespace Eventing.Idempotency.Pipelines;

/// <summary>Scoped per delivery: the claim of the message being handled, so the handler can reach its transaction.</summary>
internal sealed class IdempotencyScope
{
    public IProcessedMessageClaim? Claim { get; set; }
}
