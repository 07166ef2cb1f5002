using Eventing.Cli.Commands;

// `eventing`: send, listen, dead-letters, topology. Exit codes are documented in ExitCodes.
return await EventingCommand.Create().Parse(args).InvokeAsync().ConfigureAwait(false);
