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
        // Tabs separate the columns of plain output; every other control character is shown, never obeyed.
        text = Safe(text, keep: '\t');
        lock (Gate)
        {
            Console.Out.WriteLine(text);
            Console.Out.Flush();
        }
    }

    /// <summary>Writes one status line to stderr.</summary>
    public static void Status(string text)
    {
        text = Safe(text);
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
        var line = "eventing: " + Safe(OneLine(message));
        lock (Gate)
        {
            Console.Error.WriteLine(line);
            Console.Error.Flush();
        }
    }

    /// <summary>Writes diagnostic text (a stack trace for <c>--verbose</c>) to stderr as it is, over several lines.</summary>
    public static void Verbose(string text)
    {
        text = Safe(text, keep: '\n');
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
                table.AddRow(Array.ConvertAll(row, cell => (Spectre.Console.Rendering.IRenderable)new Text(Safe(OneLine(cell)))));
            }

            AnsiConsole.Write(table);
            return;
        }

        foreach (var row in rows)
        {
            Line(string.Join('\t', Array.ConvertAll(row, cell => Safe(OneLine(cell)))));
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

    /// <summary>
    /// Makes text that came off the wire (types, ids, headers, exception messages, bodies) safe to print: every
    /// control character (C0, DEL, C1: ESC sequences recolour or clear the terminal, BEL rings, CR overwrites the
    /// line) and every bidirectional override (which reorders what is shown) is written as a visible <c>\uXXXX</c>,
    /// so nothing is lost and nothing is obeyed. Inside a JSON string that is the same escape JSON uses.
    /// </summary>
    public static string Safe(string text, char? keep = null)
    {
        var at = IndexOfUnsafe(text, keep);
        if (at < 0)
        {
            return text;
        }

        var builder = new System.Text.StringBuilder(text.Length + 16).Append(text, 0, at);
        for (var i = at; i < text.Length; i++)
        {
            var c = text[i];
            if (IsUnsafe(c, keep))
            {
                builder.Append("\\u").Append(((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    private static int IndexOfUnsafe(string text, char? keep)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (IsUnsafe(text[i], keep))
            {
                return i;
            }
        }

        return -1;
    }

    private static bool IsUnsafe(char c, char? keep) =>
        c != keep && (char.IsControl(c) || c is '\u061C' or '\u200E' or '\u200F' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069'));
}
