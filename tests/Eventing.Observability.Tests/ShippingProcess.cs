using System.Diagnostics;
using System.Text.Json;

namespace Eventing.Observability.Tests;

/// <summary>
/// The shipping service (tests/Eventing.Observability.Shipping) in a process of its own: the spans it writes on
/// standard output are collected here. Disposing kills it.
/// </summary>
internal sealed class ShippingProcess : IAsyncDisposable
{
    private const string SpanPrefix = "span ";

    private readonly Process _process;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private readonly List<ExportedSpan> _spans = [];
    private readonly List<(string Name, TaskCompletionSource<ExportedSpan> Exported)> _waits = [];
    private readonly Task _reading;
    private readonly Task<string> _errors;

    private ShippingProcess(Process process)
    {
        _process = process;
        _reading = Task.Run(ReadAsync);
        _errors = process.StandardError.ReadToEndAsync();
    }

    /// <summary>The spans the process exported so far.</summary>
    public IReadOnlyList<ExportedSpan> Spans
    {
        get
        {
            lock (_gate)
            {
                return [.. _spans];
            }
        }
    }

    /// <summary>Starts the service and returns once its listener has subscribed.</summary>
    public static async Task<ShippingProcess> StartAsync(Uri rabbitMq, Uri stomp, string placed, string shipped, string listener, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // Closed when this process ends, however it ends: the service then stops on its own.
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Assembly);
        foreach (var argument in new[] { "--rabbitmq", rabbitMq.ToString(), "--stomp", stomp.ToString(), "--placed", placed, "--shipped", shipped, "--listener", listener })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the shipping service process (dotnet)");
        var shipping = new ShippingProcess(process);
        try
        {
            await shipping._ready.Task.WaitAsync(timeout);
        }
        catch (Exception exception) when (exception is TimeoutException or InvalidOperationException)
        {
            await shipping.DisposeAsync();
            throw new InvalidOperationException($"The shipping service did not subscribe within {timeout.TotalSeconds:0} s. Its standard error: {await shipping._errors}", exception);
        }

        return shipping;
    }

    /// <summary>The span named <paramref name="name"/>, once the process exported it.</summary>
    public async Task<ExportedSpan> WaitForSpanAsync(string name, TimeSpan timeout)
    {
        var exported = new TaskCompletionSource<ExportedSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_spans.Find(span => span.Name == name) is { } span)
            {
                return span;
            }

            _waits.Add((name, exported));
        }

        try
        {
            return await exported.Task.WaitAsync(timeout);
        }
        catch (TimeoutException exception)
        {
            var seen = string.Join(", ", Spans.Select(span => span.Name));
            var errors = _process.HasExited ? await _errors : "(still running)";
            throw new TimeoutException($"The shipping service exported no span \"{name}\" within {timeout.TotalSeconds:0} s. It exported: [{seen}]. Its standard error: {errors}", exception);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        await _reading;
        _process.Dispose();
    }

    private async Task ReadAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line == "ready")
            {
                _ready.TrySetResult();
            }
            else if (line.StartsWith(SpanPrefix, StringComparison.Ordinal) && JsonSerializer.Deserialize<ExportedSpan>(line.AsSpan(SpanPrefix.Length)) is { } span)
            {
                Exported(span);
            }
        }

        _ready.TrySetException(new InvalidOperationException("the shipping service exited before it subscribed"));
    }

    private void Exported(ExportedSpan span)
    {
        lock (_gate)
        {
            _spans.Add(span);
            for (var i = _waits.Count - 1; i >= 0; i--)
            {
                if (_waits[i].Name == span.Name)
                {
                    _waits[i].Exported.TrySetResult(span);
                    _waits.RemoveAt(i);
                }
            }
        }
    }

    // Built before the tests (a project reference without its assembly), in the configuration of the running tests.
    private static string Assembly
    {
        get
        {
            var configuration = AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";
            for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            {
                var candidate = Path.Combine(directory.FullName, "tests", "Eventing.Observability.Shipping", "bin", configuration, "net10.0", "Eventing.Observability.Shipping.dll");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            throw new FileNotFoundException($"Eventing.Observability.Shipping.dll ({configuration}) was not found: build tests/Eventing.Observability.Tests first.");
        }
    }
}
