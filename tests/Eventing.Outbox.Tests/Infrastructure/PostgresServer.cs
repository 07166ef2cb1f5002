using System.Diagnostics;
using Npgsql;

namespace Eventing.Outbox.Tests;

/// <summary>
/// The PostgreSQL of eng/postgres.sh, started once per test run. A database that cannot be reached fails the tests:
/// they are never skipped, so CI cannot go green without having run them.
/// </summary>
public static class PostgresServer
{
    private static readonly Lazy<Task<string>> Started = new(StartAsync);

    public static Task<string> ConnectionStringAsync() => Started.Value;

    private static async Task<string> StartAsync()
    {
        var connectionString = Environment.GetEnvironmentVariable("EVENTING_POSTGRES")
            ?? "Host=127.0.0.1;Port=55432;Username=postgres;Database=eventing";
        var script = Path.Combine(RepositoryRoot(), "eng", "postgres.sh");
        using (var process = Process.Start(new ProcessStartInfo("bash", [script, "up"]) { RedirectStandardOutput = true, RedirectStandardError = true })!)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"eng/postgres.sh up failed ({process.ExitCode}): {await error}{await output}");
            }
        }

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        return connectionString;
    }

    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Eventing.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"Eventing.sln not found above {AppContext.BaseDirectory}.");
    }
}
