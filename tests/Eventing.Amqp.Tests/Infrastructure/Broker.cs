using System.Diagnostics;

namespace Eventing.Amqp.Tests.Infrastructure;

/// <summary>
/// The RabbitMQ test broker of this run, started once by <c>eng/brokers.sh up</c> (idempotent). A missing broker
/// is a failure, never a skip.
/// </summary>
internal static class Broker
{
    private static readonly Lazy<Task> Up = new(() => RunAsync("up"));

    public static string Host => "127.0.0.1";

    public static int Port => int.TryParse(Environment.GetEnvironmentVariable("EVENTING_RABBITMQ_PORT"), out var port) ? port : 5672;

    public static int StompPort => int.TryParse(Environment.GetEnvironmentVariable("EVENTING_RABBITMQ_STOMP_PORT"), out var port) ? port : 61614;

    /// <summary>AMQP 1.0 (and 0-9-1) endpoint with the test credentials.</summary>
    public static Uri AmqpUri => new($"amqp://guest:guest@{Host}:{Port}");

    public static Uri Amqp091Uri => new($"amqp://guest:guest@{Host}:{Port}/");

    public static Task EnsureUpAsync() => Up.Value;

    public static Task RunAsync(params string[] arguments) => RunScriptAsync("brokers.sh", arguments);

    public static string RepositoryRoot
    {
        get
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

    private static async Task RunScriptAsync(string script, string[] arguments)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = RepositoryRoot,
        };
        start.ArgumentList.Add(Path.Combine(RepositoryRoot, "eng", script));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(10));
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"eng/{script} {string.Join(' ', arguments)} failed ({process.ExitCode}): {await output} {await error}");
        }
    }
}
