using Microsoft.Extensions.Logging;

namespace Eventing.Outbox.Tests;

/// <summary>A logger provider that completes a signal when a log event with the given id is written.</summary>
public sealed class LogSignal(int id) : ILoggerProvider, ILogger
{
    private readonly int _eventId = id;
    private readonly TaskCompletionSource _seen = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Seen => _seen.Task;

    public ILogger CreateLogger(string categoryName) => this;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (eventId.Id == _eventId)
        {
            _seen.TrySetResult();
        }
    }

    public void Dispose()
    {
    }
}
