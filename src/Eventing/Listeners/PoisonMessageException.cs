namespace Eventing.Listeners;

/// <summary>Raised inside the handling chain when the body cannot become the listener's event: no retry helps.</summary>
internal sealed class PoisonMessageException(string reason, string message, Exception? inner = null) : Exception(message, inner)
{
    public string Reason { get; } = reason;
}
