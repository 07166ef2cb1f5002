using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Eventing.AspNetCore.Tests.Browser;

/// <summary>
/// samples/LiveOrders run as its own process, as the README runs it, on 127.0.0.1 and a free port, through RabbitMQ.
/// </summary>
internal sealed partial class SampleProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private SampleProcess(Process process) => _process = process;

    public Uri BaseUri { get; private set; } = null!;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static async Task<SampleProcess> StartAsync(string rabbitMqUri)
    {
        var root = RepositoryRoot();
        // The same configuration as this test assembly (bin/<Configuration>/net10.0), which the build order ensured.
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var sampleDirectory = Path.Combine(root, "samples", "LiveOrders");
        var dll = Path.Combine(sampleDirectory, "bin", configuration, "net10.0", "LiveOrders.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            // The content root (wwwroot) is the working directory, as with `dotnet run`.
            WorkingDirectory = sampleDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add("http://127.0.0.1:0");
        start.Environment["EVENTING_RABBITMQ_URI"] = rabbitMqUri;
        start.Environment["Logging__Console__FormatterName"] = "simple";
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {dll}");
        var sample = new SampleProcess(process);
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (sample._output)
            {
                sample._output.AppendLine(line);
            }

            if (ListeningOn().Match(line) is { Success: true } match)
            {
                listening.TrySetResult(new Uri(match.Groups[1].Value));
            }

            if (line.Contains("Application started", StringComparison.Ordinal))
            {
                started.TrySetResult();
            }
        }

        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException($"samples/LiveOrders exited with code {process.ExitCode}"));
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.StandardInput.Close();
        try
        {
            sample.BaseUri = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
            await started.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (Exception exception) when (exception is TimeoutException or InvalidOperationException)
        {
            await sample.DisposeAsync();
            throw new InvalidOperationException($"samples/LiveOrders did not start within 60 s ({exception.Message}). Output:\n{sample.Output}", exception);
        }

        return sample;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private static string RepositoryRoot()
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

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningOn();
}
