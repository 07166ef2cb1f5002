using Spectre.Console;

namespace Eventing.Cli.Output;

/// <summary>
/// Tables and progress bars when a person is watching, plain lines when the output goes to a pipe or a file, so
/// scripts can parse it. Status and progress go to stderr; results (ids, JSON lines) to stdout.
/// </summary>
internal static class Terminal
{
    private static readonly Lock Gate = new();

    /// <summary>True when stdout is a terminal (not redirected) and <c>EVENTING_PLAIN</c> is not set.</summary>
    public static bool Interactive { get; } =
        !Console.IsOutputRedirected && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("EVENTING_PLAIN"));

    /// <summary>Writes one result line to stdout and flushes it, so a reader of the pipe sees it at once.</summary>
    public static void Line(string text)
    {
        lock (Gate)
        {
            Console.Out.WriteLine(text);
            Console.Out.Flush();
        }
    }

    /// <summary>Writes one status line to stderr.</summary>
    public static void Status(string text)
    {
        lock (Gate)
        {
            if (Interactive && !Console.IsErrorRedirected)
            {
                AnsiConsole.MarkupLine("[grey]" + Markup.Escape(text) + "[/]");
            }
            else
            {
                Console.Error.WriteLine(text);
                Console.Error.Flush();
            }
        }
    }

    /// <summary>Writes a one-line error to stderr: <c>eventing: message</c>.</summary>
    public static void Error(string message)
    {
        var line = "eventing: " + OneLine(message);
        lock (Gate)
        {
            Console.Error.WriteLine(line);
            Console.Error.Flush();
        }
    }

    /// <summary>Writes diagnostic text (a stack trace for <c>--verbose</c>) to stderr as it is, over several lines.</summary>
    public static void Verbose(string text)
    {
        lock (Gate)
        {
            Console.Error.WriteLine(text);
            Console.Error.Flush();
        }
    }

    /// <summary>Shows rows as a table on a terminal, or as tab-separated lines (without the header) otherwise.</summary>
    public static void Table(string[] columns, IEnumerable<string[]> rows, string? title = null)
    {
        if (Interactive)
        {
            var table = new Table().Border(TableBorder.Rounded);
            if (title is not null)
            {
                table.Title(Markup.Escape(title));
            }

            foreach (var column in columns)
            {
                table.AddColumn(Markup.Escape(column));
            }

            foreach (var row in rows)
            {
                table.AddRow(Array.ConvertAll(row, cell => (Spectre.Console.Rendering.IRenderable)new Text(cell)));
            }

            AnsiConsole.Write(table);
            return;
        }

        foreach (var row in rows)
        {
            Line(string.Join('\t', Array.ConvertAll(row, OneLine)));
        }
    }

    /// <summary>Runs <paramref name="work"/> with a progress bar on a terminal, or plainly otherwise.</summary>
    public static async Task ProgressAsync(string description, int total, Func<Action, Task> work)
    {
        if (!Interactive || total <= 1)
        {
            await work(static () => { }).ConfigureAwait(false);
            return;
        }

        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(Markup.Escape(description), maxValue: total);
                await work(() => task.Increment(1)).ConfigureAwait(false);
            }).ConfigureAwait(false);
    }

    public static string OneLine(string text) =>
        text.Contains('\n', StringComparison.Ordinal) || text.Contains('\r', StringComparison.Ordinal) || text.Contains('\t', StringComparison.Ordinal)
            ? string.Join(' ', text.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            : text;
}
