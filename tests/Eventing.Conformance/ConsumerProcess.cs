using System.Diagnostics;

namespace Eventing.Conformance;

/// <summary>
/// A listener running in its own process (tests/Eventing.Conformance.Consumer), so a test can kill it with SIGKILL.
/// Each line it prints for a handled event goes to <see cref="StreamProbe.Received"/>.
/// </summary>
public sealed class ConsumerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _reading;
    private readonly Task<string> _errors;
    private readonly Lock _gate = new();
    private readonly List<string> _lines = [];
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Seen)> _waiters = [];

    private ConsumerProcess(Process process, StreamProbe probe)
    {
        _process = process;
        _reading = Task.Run(() => ReadAsync(probe));
        _errors = process.StandardError.ReadToEndAsync();
    }

    /// <summary>Starts the consumer and returns once it has subscribed.</summary>
    public static async Task<ConsumerProcess> StartAsync(
        IReadOnlyList<string> providerArguments, string listener, string run, StreamProbe probe, TimeSpan timeout, IReadOnlyList<string>? options = null)
    {
        ArgumentNullException.ThrowIfNull(providerArguments);
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(ConsumerAssembly);
        foreach (var argument in providerArguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var argument in (string[])["--listener", listener, "--run", run, .. options ?? []])
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the consumer process");
        var consumer = new ConsumerProcess(process, probe);
        try
        {
            await consumer._ready.Task.WaitAsync(timeout);
        }
        catch (Exception exception) when (exception is TimeoutException or InvalidOperationException)
        {
            await consumer.DisposeAsync();
            throw new InvalidOperationException($"the consumer process did not subscribe within {timeout}: {await consumer._errors}", exception);
        }

        return consumer;
    }

    /// <summary>Waits for a line of output <paramref name="match"/> accepts, printed since the process started.</summary>
    public Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_lines.Find(line => match(line)) is { } line)
            {
                return Task.FromResult(line);
            }

            _waiters.Add((match, seen));
        }

        return seen.Task.WaitAsync(timeout);
    }

    /// <summary>Every line of output so far.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>Kills the process with SIGKILL: no graceful stop, no acknowledgement of anything in flight.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        await _process.WaitForExitAsync();
        await _reading;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    private async Task ReadAsync(StreamProbe probe)
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            lock (_gate)
            {
                _lines.Add(line);
                foreach (var waiter in _waiters.Where(waiter => waiter.Match(line)))
                {
                    waiter.Seen.TrySetResult(line);
                }
            }

            if (line == "ready")
            {
                _ready.TrySetResult();
            }
            else if (line.StartsWith("seq ", StringComparison.Ordinal) && int.TryParse(line.AsSpan(4), out var seq))
            {
                probe.Received(seq);
            }
        }

        _ready.TrySetException(new InvalidOperationException("the consumer process exited"));
    }

    // Built with the solution, in the configuration of the running tests.
    private static string ConsumerAssembly
    {
        get
        {
            var configuration = AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";
            for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            {
                var candidate = Path.Combine(directory.FullName, "tests", "Eventing.Conformance.Consumer", "bin", configuration, "net10.0", "Eventing.Conformance.Consumer.dll");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            throw new FileNotFoundException($"Eventing.Conformance.Consumer.dll ({configuration}) was not found: build the solution first.");
        }
    }
}
