namespace Eventing.Cli;

/// <summary>The process exit codes; scripts rely on them.</summary>
internal static class ExitCodes
{
    /// <summary>The command did what it was asked.</summary>
    public const int Success = 0;

    /// <summary>The command line or a setting is wrong (also what System.CommandLine returns for parse errors).</summary>
    public const int Usage = 1;

    /// <summary>The broker cannot be reached or refused the credentials.</summary>
    public const int Unreachable = 2;

    /// <summary>The command did not finish within <c>--timeout</c>.</summary>
    public const int Timeout = 3;
}
