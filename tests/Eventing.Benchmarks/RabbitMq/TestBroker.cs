using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Eventing.Benchmarks.RabbitMq;

/// <summary>
/// The test RabbitMQ of <c>eng/brokers.sh</c>, seen from a benchmark: start it, ask it through rabbitmqctl, and read
/// the CPU time of its Erlang VM.
/// </summary>
internal static class TestBroker
{
    /// <summary>The broker's AMQP 0-9-1 address: <c>EVENTING_RABBITMQ_URI</c>, or the port eng/brokers.sh uses by default.</summary>
    public static Uri Uri { get; } = new(Environment.GetEnvironmentVariable("EVENTING_RABBITMQ_URI") is { Length: > 0 } uri ? uri : "amqp://guest:guest@127.0.0.1:5672/");

    /// <summary>Runs eng/brokers.sh up (idempotent) so the benchmark has its broker.</summary>
    public static async Task UpAsync()
    {
        var (exitCode, _, errors) = await RunScriptAsync("up");
        if (exitCode != 0)
        {
            throw new InvalidOperationException("eng/brokers.sh up failed; the RabbitMQ benchmark needs the test broker. " + errors);
        }
    }

    /// <summary>rabbitmqctl against the test node, through the script that knows its name and cookie.</summary>
    public static async Task<string> CtlAsync(params string[] arguments)
    {
        var (exitCode, output, errors) = await RunScriptAsync(["ctl", .. arguments]);
        return exitCode == 0 ? output : throw new InvalidOperationException($"rabbitmqctl {string.Join(' ', arguments)} failed: {errors}");
    }

    /// <summary>Bytes the broker received and sent on all its client connections so far.</summary>
    public static async Task<(long Received, long Sent)> TrafficAsync()
    {
        using var connections = JsonDocument.Parse(await CtlAsync("list_connections", "recv_oct", "send_oct", "--formatter", "json"));
        long received = 0, sent = 0;
        foreach (var connection in connections.RootElement.EnumerateArray())
        {
            received += connection.GetProperty("recv_oct").GetInt64();
            sent += connection.GetProperty("send_oct").GetInt64();
        }

        return (received, sent);
    }

    /// <summary>
    /// User plus system CPU time of the broker's Erlang VM so far, from /proc (clock ticks of 10 ms: a measured run
    /// must last seconds for this to mean something).
    /// </summary>
    public static TimeSpan CpuTime()
    {
        var stateDirectory = Environment.GetEnvironmentVariable("EVENTING_STATE_DIR") is { Length: > 0 } dir ? dir : "/tmp/eventing-brokers";
        var pid = File.ReadAllText(Path.Combine(stateDirectory, "rabbitmq", "beam.pid")).Trim();
        var stat = File.ReadAllText($"/proc/{pid}/stat");

        // The command name in parentheses may hold spaces; the fields after it are plain numbers.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / 100.0);
    }

    private static async Task<(int ExitCode, string Output, string Errors)> RunScriptAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryRoot(),
        };
        start.ArgumentList.Add(Path.Combine("eng", "brokers.sh"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await errors);
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "eng", "brokers.sh")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("eng/brokers.sh not found above " + AppContext.BaseDirectory);
    }
}
