namespace Eventing.Cli;

/// <summary>The outbox database cannot be reached or refused the credentials (exit code 2, like a broker).</summary>
internal sealed class StoreUnreachableException(string message, Exception inner) : Exception(message, inner);
