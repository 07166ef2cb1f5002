using System.Diagnostics;

namespace Eventing.Cli.Tests;

/// <summary>
/// The real test brokers, started once per test run by <c>eng/brokers.sh up</c> (idempotent). A broker that cannot
/// be started fails the tests; nothing is skipped.
/// </summary>
internal static class TestBrokers
{
    private static readonly Lazy<Task<IReadOnlyDictionary<string, string>>> Up = new(StartAsync);

    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>A variable printed by <c>eng/brokers.sh up</c>, e.g. <c>EVENTING_RABBITMQ_URI</c>.</summary>
    public static async Task<string> GetAsync(string name) => (await Up.Value.ConfigureAwait(false))[name];

    private static async Task<IReadOnlyDictionary<string, string>> StartAsync()
    {
        var start = new ProcessStartInfo("bash", ["eng/brokers.sh", "up"])
        {
            WorkingDirectory = RepositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not run eng/brokers.sh up");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"eng/brokers.sh up failed with exit code {process.ExitCode}: {await error.ConfigureAwait(false)}");
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in (await output.ConfigureAwait(false)).Split('\n'))
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (line.StartsWith("EVENTING_", StringComparison.Ordinal) && equals > 0)
            {
                values[line[..equals]] = line[(equals + 1)..].Trim();
            }
        }

        return values;
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Eventing.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Could not find the repository root (Eventing.sln) above " + AppContext.BaseDirectory);
    }
}
