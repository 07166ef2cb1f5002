namespace Eventing.Listeners;

/// <summary>Raised inside the handling chain when the body cannot become the listener's event: no retry helps.</summary>
internal sealed class PoisonMessageException(string reason, string message, Exception? inner = null) : DoNotRetryException(message, inner)
{
    internal override string Reason { get; } = reason;
}
