using System.Collections.Concurrent;
using System.Diagnostics;

namespace Eventing.Outbox.Tests;

public sealed class CrashTests
{
    [Fact]
    public async Task An_app_killed_between_commit_and_send_delivers_the_event_with_the_same_id_after_restart()
    {
        await using var database = new SqliteTestDatabase();

        string recordedId;
        using (var app = StartApp("record", database))
        {
            recordedId = (await ReadLineStartingWithAsync(app, "RECORDED ")).Split(' ')[1];

            // The provider reports the send started only after the commit: this is the window to crash in.
            Assert.Equal($"SENDING {recordedId}", await ReadLineStartingWithAsync(app, "SENDING "));
            app.Kill(); // SIGKILL on Linux: no finally blocks, no shutdown hooks.
            await app.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }

        Assert.Equal(1, await database.CountPendingAsync());
        using (var app = StartApp("relay", database))
        {
            Assert.Equal($"RECEIVED {recordedId}", await ReadLineStartingWithAsync(app, "RECEIVED "));
            await app.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0, app.ExitCode);
        }

        Assert.Equal(0, await database.CountPendingAsync());
    }

    private static TestAppProcess StartApp(string mode, SqliteTestDatabase database)
    {
        var app = Path.Combine(AppContext.BaseDirectory, "Eventing.Outbox.TestApp.dll");
        var start = new ProcessStartInfo("dotnet", [app, mode, database.Path, database.Table])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = Process.Start(start)!;
        var errors = new ConcurrentQueue<string>();
        process.ErrorDataReceived += (_, line) =>
        {
            if (line.Data is not null)
            {
                errors.Enqueue(line.Data);
            }
        };
        process.BeginErrorReadLine();
        return new TestAppProcess(process, errors);
    }

    private static async Task<string> ReadLineStartingWithAsync(TestAppProcess app, string prefix)
    {
        var process = app.Process;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                return line;
            }
        }

        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        throw new InvalidOperationException(
            $"The app exited ({process.ExitCode}) without printing '{prefix}...'. Its standard error:{Environment.NewLine}{string.Join(Environment.NewLine, app.Errors)}");
    }

    /// <summary>The test app's process and what it wrote to standard error (shown when it fails).</summary>
    private sealed record TestAppProcess(Process Process, ConcurrentQueue<string> Errors) : IDisposable
    {
        public int ExitCode => Process.ExitCode;

        public void Kill() => Process.Kill();

        public Task WaitForExitAsync() => Process.WaitForExitAsync();

        public void Dispose() => Process.Dispose();
    }
}
