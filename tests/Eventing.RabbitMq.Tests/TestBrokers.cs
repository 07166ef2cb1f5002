using System.Diagnostics;

namespace Eventing.RabbitMq.Tests;

/// <summary>
/// Runs the project's own broker script (eng/brokers.sh). A broker that cannot be started fails the tests: they
/// never skip, on CI or anywhere else.
/// </summary>
internal static class TestBrokers
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static bool _up;

    public static string RabbitMqUri =>
        Environment.GetEnvironmentVariable("EVENTING_RABBITMQ_URI") is { Length: > 0 } uri ? uri : $"amqp://guest:guest@127.0.0.1:{RabbitMqPort}/";

    public static int RabbitMqPort =>
        int.TryParse(Environment.GetEnvironmentVariable("EVENTING_RABBITMQ_PORT"), out var port) ? port : 5672;

    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>Starts the brokers once per test run (the script does nothing when they already run).</summary>
    public static async Task EnsureUpAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (!_up)
            {
                await RunAsync("up", TimeSpan.FromMinutes(10));
                _up = true;
            }
        }
        finally
        {
            Gate.Release();
        }
    }

    public static Task RunAsync(string arguments, TimeSpan timeout) => RunScriptAsync("eng/brokers.sh " + arguments, timeout);

    private static async Task RunScriptAsync(string command, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("bash", command)
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
            throw new InvalidOperationException(
                $"`{command}` failed with exit code {process.ExitCode}; the RabbitMQ tests need the test brokers. Output:\n{await output}\n{await error}");
        }
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
