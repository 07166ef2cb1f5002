namespace Eventing.Cli;

/// <summary>The command line or a setting is wrong; the message says which and what to do (exit code 1).</summary>
internal sealed class UsageException(string message, Exception? innerException = null) : Exception(message, innerException);
