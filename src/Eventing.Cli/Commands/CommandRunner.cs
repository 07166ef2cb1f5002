using Eventing.Cli.Output;
using Microsoft.Extensions.Options;

namespace Eventing.Cli.Commands;

/// <summary>Runs a command body and turns what went wrong into an exit code and one line on stderr.</summary>
internal static class CommandRunner
{
    public static async Task<int> RunAsync(Func<CancellationToken, Task<int>> body, CancellationToken cancellationToken)
    {
        try
        {
            return await body(cancellationToken).ConfigureAwait(false);
        }
        catch (BrokerUnreachableException exception)
        {
            Terminal.Error(exception.Message);
            return ExitCodes.Unreachable;
        }
        catch (CommandTimeoutException exception)
        {
            Terminal.Error(exception.Message);
            return ExitCodes.Timeout;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C: the user asked to stop; what was done is done.
            return ExitCodes.Success;
        }
        catch (Exception exception) when (exception is UsageException or EventRegistrationException or InvalidHeaderException
                                              or OptionsValidationException or ArgumentException)
        {
            Terminal.Error(exception.Message);
            return ExitCodes.Usage;
        }
    }
}
