using System.Diagnostics;

namespace Eventing.Stomp.Tests.Integration;

/// <summary>
/// The real test brokers, started once per test run by <c>eng/brokers.sh up</c> (idempotent). A broker that cannot
/// be started fails the tests; nothing is skipped.
/// </summary>
internal static class TestBrokers
{
    private static readonly Lazy<Task<IReadOnlyDictionary<string, string>>> Up = new(StartAsync);

    public static string RepositoryRoot { get; } = FindRoot();

    public static async Task<Uri> StompUriAsync(string broker) =>
        new((await Up.Value.ConfigureAwait(false))[broker == "rabbitmq" ? "EVENTING_RABBITMQ_STOMP_URI" : "EVENTING_ACTIVEMQ_STOMP_URI"]);

    public static async Task<Uri> AmqpUriAsync() => new((await Up.Value.ConfigureAwait(false))["EVENTING_RABBITMQ_URI"]);

    public static async Task<Uri> WithPasswordAsync(string broker, string password)
    {
        var uri = await StompUriAsync(broker).ConfigureAwait(false);
        var user = uri.UserInfo.Split(':')[0];
        return new UriBuilder(uri) { UserName = user, Password = password }.Uri;
    }

    /// <summary>Runs <c>eng/brokers.sh</c> with <paramref name="arguments"/> (restart, stop, start a broker).</summary>
    public static async Task RunAsync(params string[] arguments)
    {
        await Up.Value.ConfigureAwait(false);
        await RunScriptAsync(arguments).ConfigureAwait(false);
    }

    private static Task<IReadOnlyDictionary<string, string>> StartAsync() => RunScriptAsync("up");

    private static async Task<IReadOnlyDictionary<string, string>> RunScriptAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("bash", ["eng/brokers.sh", .. arguments])
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
            throw new InvalidOperationException($"eng/brokers.sh {string.Join(' ', arguments)} failed with exit code {process.ExitCode}: {await error.ConfigureAwait(false)}");
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
