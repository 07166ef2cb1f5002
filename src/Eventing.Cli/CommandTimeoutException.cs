namespace Eventing.Cli;

/// <summary>The command did not finish within its <c>--timeout</c> (exit code 3).</summary>
internal sealed class CommandTimeoutException(string message) : Exception(message);
