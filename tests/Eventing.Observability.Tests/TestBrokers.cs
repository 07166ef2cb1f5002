using System.Net.Sockets;

namespace Eventing.Observability.Tests;

/// <summary>
/// The brokers of <c>eng/env.sh</c>, already running (<c>eng/services.sh up</c>). One that does not answer fails the
/// test with what to do; nothing is skipped, on CI or anywhere else.
/// </summary>
internal static class TestBrokers
{
    public static Uri RabbitMq { get; } = FromEnvironment("EVENTING_RABBITMQ_URI", "amqp://guest:guest@127.0.0.1:5672/");

    // RabbitMQ's STOMP plugin: the OrderShipped hop crosses a second protocol on the same broker.
    public static Uri Stomp { get; } = FromEnvironment("EVENTING_RABBITMQ_STOMP_URI", "stomp://guest:guest@127.0.0.1:61614");

    /// <summary>Fails unless both brokers accept a TCP connection within <paramref name="timeout"/>.</summary>
    public static async Task EnsureReachableAsync(TimeSpan timeout)
    {
        await EnsureReachableAsync("RabbitMQ (AMQP 0-9-1)", "EVENTING_RABBITMQ_URI", RabbitMq, timeout);
        await EnsureReachableAsync("RabbitMQ (STOMP)", "EVENTING_RABBITMQ_STOMP_URI", Stomp, timeout);
    }

    private static async Task EnsureReachableAsync(string broker, string variable, Uri uri, TimeSpan timeout)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(uri.Host, uri.Port).WaitAsync(timeout);
        }
        catch (Exception exception) when (exception is SocketException or TimeoutException)
        {
            throw new InvalidOperationException(
                $"{broker} is not reachable at {uri.Host}:{uri.Port} ({variable}) within {timeout.TotalSeconds:0} s: {exception.Message}. " +
                "Start the test services with `eng/services.sh up` and `source eng/env.sh`; this test does not skip.",
                exception);
        }
    }

    private static Uri FromEnvironment(string variable, string fallback) =>
        new(Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value ? value : fallback);
}
