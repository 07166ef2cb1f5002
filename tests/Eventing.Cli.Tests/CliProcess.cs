using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace Eventing.Cli.Tests;

/// <summary>
/// Runs the built CLI (<c>dotnet Eventing.Cli.dll</c>) as a child process with redirected output, the way a script
/// would. Connection variables of the test environment are removed so only the given flags count.
/// </summary>
internal sealed class CliProcess : IAsyncDisposable
{
    private static readonly string Dll = typeof(CliProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(attribute => attribute.Key == "EventingCliDll").Value!;

    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly List<(string Prefix, TaskCompletionSource<string> Seen)> _waiters = [];
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private CliProcess(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment, string? stdin)
    {
        if (!File.Exists(Dll))
        {
            throw new InvalidOperationException($"The CLI is not built at {Dll}; build tests/Eventing.Cli.Tests (it builds src/Eventing.Cli first).");
        }

        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        start.ArgumentList.Add(Dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var name in new[] { "EVENTING_PROVIDER", "EVENTING_BROKER", "EVENTING_CONFIG", "EVENTING_STOMP_TOPOLOGY", "EVENTING_AMQP_TOPOLOGY", "EVENTING_EXCHANGE",
                     "EVENTING_OUTBOX_STORE", "EVENTING_OUTBOX_CONNECTION", "EVENTING_OUTBOX_TABLE", "EVENTING_VERBOSE" })
        {
            start.Environment.Remove(name);
        }

        if (environment is not null)
        {
            foreach (var (name, value) in environment)
            {
                start.Environment[name] = value;
            }
        }

        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, line) => Append(_stdout, line.Data, _stdoutClosed, null);
        _process.ErrorDataReceived += (_, line) => Append(_stderr, line.Data, _stderrClosed, _waiters);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        if (stdin is not null)
        {
            _process.StandardInput.Write(stdin);
        }

        _process.StandardInput.Close();
    }

    public string Stdout
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public string[] StdoutLines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public static CliProcess Start(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, string? stdin = null) =>
        new(arguments, environment, stdin);

    /// <summary>Runs the CLI to its end and returns it (exit code and output).</summary>
    public static async Task<CliProcess> RunAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, string? stdin = null, TimeSpan? timeout = null)
    {
        var process = Start(arguments, environment, stdin);
        await process.WaitForExitAsync(timeout ?? TimeSpan.FromSeconds(60));
        return process;
    }

    /// <summary>Completes with the first stderr line starting with <paramref name="prefix"/>, e.g. "listening on".</summary>
    public Task<string> StderrLineAsync(string prefix, TimeSpan timeout)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_stderr)
        {
            foreach (var line in _stderr.ToString().Split('\n'))
            {
                if (line.StartsWith(prefix, StringComparison.Ordinal))
                {
                    return Task.FromResult(line);
                }
            }

            _waiters.Add((prefix, seen));
        }

        return WaitAsync(seen.Task, timeout, $"stderr line '{prefix}…'");
    }

    public int ExitCode => _process.ExitCode;

    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
            await Task.WhenAll(_stdoutClosed.Task, _stderrClosed.Task).WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The CLI did not exit within {timeout.TotalSeconds} s. stdout: {Stdout} stderr: {Stderr}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    public override string ToString() => $"exit {(_process.HasExited ? _process.ExitCode : -1)}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";

    private async Task<string> WaitAsync(Task<string> task, TimeSpan timeout, string what)
    {
        try
        {
            return await task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"No {what} from the CLI within {timeout.TotalSeconds} s. {this}");
        }
    }

    private static void Append(StringBuilder buffer, string? line, TaskCompletionSource closed, List<(string Prefix, TaskCompletionSource<string> Seen)>? waiters)
    {
        if (line is null)
        {
            closed.TrySetResult();
            return;
        }

        lock (buffer)
        {
            buffer.Append(line).Append('\n');
            if (waiters is null)
            {
                return;
            }

            for (var i = waiters.Count - 1; i >= 0; i--)
            {
                if (line.StartsWith(waiters[i].Prefix, StringComparison.Ordinal))
                {
                    waiters[i].Seen.TrySetResult(line);
                    waiters.RemoveAt(i);
                }
            }
        }
    }
}
