using System.Diagnostics;

namespace Eventing.Conformance;

/// <summary>
/// Runs the repository's own service scripts (<c>eng/brokers.sh</c>, <c>eng/cluster.sh</c>) from tests: from the
/// repository root, without input, bounded in time. A script that fails is an exception carrying its output, so
/// a test whose service cannot be started fails and says why; it never skips.
/// </summary>
public static class EngScript
{
    /// <summary>The checkout the tests run from: the first directory above the test binaries with an <c>eng/</c> folder of scripts.</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>Runs <c>eng/<paramref name="script"/></c> with <paramref name="arguments"/>; returns what it printed on standard output.</summary>
    /// <exception cref="InvalidOperationException">It failed, or did not finish within <paramref name="timeout"/> (then it is killed).</exception>
    public static async Task<string> RunAsync(string script, IReadOnlyList<string> arguments, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var command = $"eng/{script} {string.Join(' ', arguments)}";
        var start = new ProcessStartInfo("bash", [Path.Combine("eng", script), .. arguments])
        {
            WorkingDirectory = RepositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not run `{command}`");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"`{command}` did not finish within {timeout}. Output:\n{await output}\n{await error}");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"`{command}` failed with exit code {process.ExitCode}; the tests need the services it runs. Output:\n{await output}\n{await error}");
        }

        return await output;
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "eng", "brokers.sh")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"eng/brokers.sh not found above {AppContext.BaseDirectory}.");
    }
}
