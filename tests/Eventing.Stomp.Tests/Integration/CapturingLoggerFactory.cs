using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Eventing.Stomp.Tests.Integration;

/// <summary>Keeps every log line at Warning and above, so a test can check what the provider warned about.</summary>
internal sealed class CapturingLoggerFactory : ILoggerFactory, ILogger
{
    public ConcurrentQueue<(EventId Id, string Message)> Warnings { get; } = new();

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
        {
            Warnings.Enqueue((eventId, formatter(state, exception)));
        }
    }

    public void Dispose()
    {
    }
}
