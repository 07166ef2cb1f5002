namespace Eventing.Outbox;

/// <summary>An atomic procedure conflicted on every attempt; the inner exception is the last conflict.</summary>
public sealed class AtomicProcedureException : Exception
{
    /// <summary>Creates the exception after <paramref name="attempts"/> conflicting attempts.</summary>
    public AtomicProcedureException(int attempts, Exception lastConflict)
        : base($"The atomic procedure conflicted on all {attempts} attempt(s) ({lastConflict?.Message}). " +
               "Raise AtomicOptions.MaxAttempts, or make the transactions touch fewer shared rows.", lastConflict)
    {
        Attempts = attempts;
    }

    /// <summary>Creates the exception.</summary>
    public AtomicProcedureException()
        : base("The atomic procedure conflicted on every attempt.")
    {
    }

    /// <summary>Creates the exception.</summary>
    public AtomicProcedureException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public AtomicProcedureException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>How many attempts ran.</summary>
    public int Attempts { get; }
}
