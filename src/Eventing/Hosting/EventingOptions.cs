using System.Diagnostics;

namespace Eventing;

/// <summary>Settings of the event bus as a whole. Validated when the host starts.</summary>
public sealed class EventingOptions
{
    /// <summary>The CloudEvents <c>source</c> of sent events. Default: <c>/eventing/&lt;process name&gt;</c>.</summary>
    public string Source { get; set; } = "/eventing/" + SafeProcessName();

    /// <summary>
    /// Identifies this process in per-process queue names. Default: unique per process run, so per-process
    /// queues go away with the process. Set a stable id to keep a per-process queue across restarts.
    /// </summary>
    public string ProcessId { get; set; } = $"{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Envelopes with a larger body are dead-lettered as poison without being deserialized. Default 1 MiB.</summary>
    public int MaxEnvelopeBytes { get; set; } = 1024 * 1024;

    /// <summary>How long stopping waits for in-flight handlers before it cancels them and requeues their messages. Default 30 s.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How many events a listener handles at once unless its registration says otherwise. Default 1 (ordered).</summary>
    public int DefaultConcurrency { get; set; } = 1;

    /// <summary>The retry policy of listeners whose registration sets none.</summary>
    public RetryPolicy DefaultRetry { get; set; } = RetryPolicy.Default;

    /// <summary>The content mode of events whose registration sets none. Default binary.</summary>
    public ContentMode DefaultContentMode { get; set; } = ContentMode.Binary;

    private static string SafeProcessName()
    {
        using var process = Process.GetCurrentProcess();
        return process.ProcessName.Replace(' ', '-');
    }
}
