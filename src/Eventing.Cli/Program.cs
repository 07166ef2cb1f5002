using System.CommandLine;
using Eventing.Cli.Commands;

// `eventing`: send, listen, dead-letters, topology, outbox flush. Exit codes are documented in ExitCodes.
ParseResult? parsed = null;
try
{
    parsed = EventingCommand.Create().Parse(args);

    // Commands report their own failures through CommandRunner; this catches what escapes them (help, parsing,
    // a bug), so no failure ends in System.CommandLine's stack-trace handler.
    return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }).ConfigureAwait(false);
}
#pragma warning disable CA1031 // The last line of defence: one line on stderr and a documented exit code.
catch (Exception exception)
#pragma warning restore CA1031
{
    return CommandRunner.Report(exception, CommandRunner.IsVerbose(parsed));
}
