using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace Eventing.Cli.Commands;

/// <summary>Adds an "Examples:" section to the help of each command that has examples.</summary>
internal sealed class HelpExamples : SynchronousCommandLineAction
{
    private readonly HelpAction _help;
    private readonly Dictionary<Command, string[]> _examples;

    private HelpExamples(HelpAction help, Dictionary<Command, string[]> examples)
    {
        _help = help;
        _examples = examples;
    }

    public override int Invoke(ParseResult parseResult)
    {
        var result = _help.Invoke(parseResult);
        if (_examples.TryGetValue(parseResult.CommandResult.Command, out var lines))
        {
            var output = parseResult.InvocationConfiguration.Output;
            output.WriteLine("Examples:");
            foreach (var line in lines)
            {
                output.WriteLine("  " + line);
            }

            output.WriteLine();
        }

        return result;
    }

    public static void Install(RootCommand root, Dictionary<Command, string[]> examples)
    {
        foreach (var option in root.Options)
        {
            if (option is HelpOption { Action: HelpAction help } helpOption)
            {
                helpOption.Action = new HelpExamples(help, examples);
            }
        }
    }
}
