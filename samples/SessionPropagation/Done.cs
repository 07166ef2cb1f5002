namespace SessionPropagation;

public sealed class Done
{
    private readonly TaskCompletionSource<string?> _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<string?> Session => _signal.Task;

    public void Signal(string? session) => _signal.TrySetResult(session);
}
