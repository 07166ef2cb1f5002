using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;

namespace Eventing.Stomp.Tests.Interop;

/// <summary>Runs a stomp.py script under Debian's /usr/bin/python3 (python3-stomp imports only there) and reads its lines.</summary>
internal sealed class PythonStomp : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly System.Text.StringBuilder _errors = new();

    private PythonStomp(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                _lines.Writer.TryComplete();
            }
            else
            {
                _lines.Writer.TryWrite(e.Data);
            }
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            lock (_errors)
            {
                _errors.AppendLine(e.Data);
            }
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public static PythonStomp Start(string script, Uri broker, string vhost, params string[] arguments)
    {
        var user = broker.UserInfo.Split(':');
        var start = new ProcessStartInfo("/usr/bin/python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Interop", script));
        foreach (var argument in (string[])[broker.Host, broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), Uri.UnescapeDataString(user[0]), Uri.UnescapeDataString(user[1]), vhost, .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start /usr/bin/python3");
        process.StandardInput.Close();
        return new PythonStomp(process);
    }

    public static string Json(IEnumerable<KeyValuePair<string, string>> headers) => JsonSerializer.Serialize(headers.ToDictionary(h => h.Key, h => h.Value));

    public async Task<string> ReadLineAsync(TimeSpan timeout)
    {
        try
        {
            return await _lines.Reader.ReadAsync().AsTask().WaitAsync(timeout);
        }
        catch (Exception exception) when (exception is TimeoutException or ChannelClosedException)
        {
            throw new InvalidOperationException($"stomp.py printed no line ({exception.GetType().Name}); stderr: {Errors}", exception);
        }
    }

    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        await _process.WaitForExitAsync().WaitAsync(timeout);
        Assert.True(_process.ExitCode == 0, $"stomp.py exited with {_process.ExitCode}; stderr: {Errors}");
    }

    private string Errors
    {
        get
        {
            lock (_errors)
            {
                return _errors.ToString();
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        _process.Dispose();
        return default;
    }
}
