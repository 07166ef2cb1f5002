using Eventing.Conformance;

namespace Eventing.RabbitMq.Tests;

/// <summary>
/// Runs the project's own broker script (eng/brokers.sh). A broker that cannot be started fails the tests: they
/// never skip, on CI or anywhere else.
/// </summary>
internal static class TestBrokers
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static bool _up;

    public static string RabbitMqUri =>
        Environment.GetEnvironmentVariable("EVENTING_RABBITMQ_URI") is { Length: > 0 } uri ? uri : $"amqp://guest:guest@127.0.0.1:{RabbitMqPort}/";

    public static int RabbitMqPort =>
        int.TryParse(Environment.GetEnvironmentVariable("EVENTING_RABBITMQ_PORT"), out var port) ? port : 5672;


    /// <summary>Starts the brokers once per test run (the script does nothing when they already run).</summary>
    public static async Task EnsureUpAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (!_up)
            {
                await RunAsync("up", TimeSpan.FromMinutes(10));
                _up = true;
            }
        }
        finally
        {
            Gate.Release();
        }
    }

    public static Task RunAsync(string arguments, TimeSpan timeout) => EngScript.RunAsync("brokers.sh", arguments.Split(' '), timeout);
}
