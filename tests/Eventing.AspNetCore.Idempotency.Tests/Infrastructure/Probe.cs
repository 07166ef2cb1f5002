namespace Eventing.AspNetCore.Idempotency.Tests;

/// <summary>Counts how often a handler ran, and can hold it until the test lets it go (signals, not sleeps).</summary>
public sealed class Probe
{
    private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _runs;

    public int Runs => Volatile.Read(ref _runs);

    public bool Holds { get; set; }

    /// <summary>Completes when the handler entered (the first time).</summary>
    public Task Entered => _entered.Task;

    public void Release() => _released.TrySetResult();

    public async Task<int> RunAsync()
    {
        var run = Interlocked.Increment(ref _runs);
        _entered.TrySetResult();
        if (Holds)
        {
            await _released.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }

        return run;
    }
}
