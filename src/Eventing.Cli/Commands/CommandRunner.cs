using System.CommandLine;
using Eventing.Cli.Output;
using Microsoft.Extensions.Options;

namespace Eventing.Cli.Commands;

/// <summary>
/// Runs a command body and turns whatever went wrong into an exit code and one line on stderr. Nothing reaches
/// System.CommandLine's default handler (a stack trace and exit 1): <c>--verbose</c> or <c>EVENTING_VERBOSE=1</c>
/// prints the stack trace first, for bug reports.
/// </summary>
internal static class CommandRunner
{
    /// <summary>The root's recursive <c>--verbose</c> option; looked up by name so every command sees it.</summary>
    public const string VerboseOption = "--verbose";

    public static async Task<int> RunAsync(ParseResult result, Func<CancellationToken, Task<int>> body, CancellationToken cancellationToken)
    {
        try
        {
            return await body(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C: the user asked to stop; what was done is done.
            return ExitCodes.Success;
        }
#pragma warning disable CA1031 // The point of this method: every failure becomes one line and a documented exit code.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            return Report(exception, IsVerbose(result));
        }
    }

    /// <summary>Whether <c>--verbose</c> was given or <c>EVENTING_VERBOSE</c> is set to something other than 0/false.</summary>
    public static bool IsVerbose(ParseResult? result)
    {
        if (result is not null)
        {
            try
            {
                if (result.GetValue<bool>(VerboseOption))
                {
                    return true;
                }
            }
#pragma warning disable CA1031 // A parse result without the option (or with a bad value) simply is not verbose.
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }

        var variable = Environment.GetEnvironmentVariable("EVENTING_VERBOSE");
        return !string.IsNullOrWhiteSpace(variable) && variable.Trim() is not ("0" or "false" or "False" or "no");
    }

    /// <summary>Prints <paramref name="exception"/> as <c>eventing: …</c> (after its stack trace when verbose) and returns its exit code.</summary>
    public static int Report(Exception exception, bool verbose)
    {
        if (verbose)
        {
            Terminal.Verbose(exception.ToString());
        }

        switch (exception)
        {
            case BrokerUnreachableException or StoreUnreachableException:
                Terminal.Error(exception.Message);
                return ExitCodes.Unreachable;
            case CommandTimeoutException:
                Terminal.Error(exception.Message);
                return ExitCodes.Timeout;
            case UsageException or EventRegistrationException or InvalidHeaderException or OptionsValidationException or ArgumentException:
                Terminal.Error(exception.Message);
                return ExitCodes.Usage;
            case TimeoutException or OperationCanceledException:
                Terminal.Error($"timed out: {Describe(exception)}{Hint(verbose)}");
                return ExitCodes.Timeout;
            default:
                Terminal.Error($"unexpected error: {Describe(exception)}{Hint(verbose)}");
                return ExitCodes.Usage;
        }
    }

    // The type says what kind of failure it was; the innermost message often says why (a socket error, a file name).
    private static string Describe(Exception exception)
    {
        var text = $"{exception.GetType().Name}: {exception.Message}";
        var inner = exception.GetBaseException();
        return ReferenceEquals(inner, exception) || exception.Message.Contains(inner.Message, StringComparison.Ordinal)
            ? text
            : $"{text} ({inner.GetType().Name}: {inner.Message})";
    }

    private static string Hint(bool verbose) => verbose ? "" : " Run with --verbose (or EVENTING_VERBOSE=1) for the stack trace.";
}
