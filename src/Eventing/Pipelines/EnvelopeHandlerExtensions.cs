namespace Eventing.Pipelines;

/// <summary>
/// For the receive chain's fast path: most deliveries complete synchronously, and a stage that checks for that
/// (<c>IsCompletedSuccessfully</c>, then <c>GetAwaiter().GetResult()</c> to consume the task) runs them without a
/// state machine, keeping its async method for the rest.
/// </summary>
internal static class EnvelopeHandlerExtensions
{
    /// <summary>
    /// Starts <paramref name="next"/> and returns what it returned, or a faulted task if it threw before returning,
    /// as an async caller would have seen it.
    /// </summary>
    public static ValueTask Start(this EnvelopeHandler next, Envelope envelope, CancellationToken cancellationToken)
    {
        try
        {
            return next(envelope, cancellationToken);
        }
        catch (Exception exception)
        {
            return ValueTask.FromException(exception);
        }
    }
}
