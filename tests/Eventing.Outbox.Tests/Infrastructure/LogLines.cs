using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Eventing.Outbox.Tests;

/// <summary>Keeps the log of a test's hosts, timestamped, to show in the message of a failed timing assertion.</summary>
public sealed class LogLines : ILoggerProvider, ILogger
{
    private readonly Lock _gate = new();
    private readonly List<string> _lines = [];

    /// <summary>Adds this provider to a host's services, at debug level.</summary>
    public void AddTo(IServiceCollection services) =>
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Debug).AddProvider(this));

    public void Note(string what)
    {
        lock (_gate)
        {
            _lines.Add($"{DateTimeOffset.UtcNow.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)} {what}");
        }
    }

    public ILogger CreateLogger(string categoryName) => this;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Note($"{eventId.Id} {formatter(state, exception)}{(exception is null ? "" : $" ({exception.GetType().Name}: {exception.Message})")}");

    public override string ToString()
    {
        lock (_gate)
        {
            return string.Join('\n', _lines);
        }
    }

    public void Dispose()
    {
    }
}
