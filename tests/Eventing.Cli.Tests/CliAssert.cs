namespace Eventing.Cli.Tests;

internal static class CliAssert
{
    /// <summary>The documented exit code, and the error as exactly one <c>eventing: …</c> line, the last on stderr.</summary>
    public static void OneLineError(CliProcess run, int exitCode, string expected)
    {
        Assert.True(run.ExitCode == exitCode, run.ToString());
        // Status lines ("listening on …") or a --verbose stack trace may come first; the error is exactly one line.
        var line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("eventing: ", StringComparison.Ordinal));
        Assert.EndsWith(line, run.Stderr.TrimEnd('\n'), StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
    }
}
