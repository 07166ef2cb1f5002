using Eventing.Conformance;

namespace Eventing.Amqp.Tests.Infrastructure;

/// <summary>
/// The RabbitMQ test broker of this run, started once by <c>eng/brokers.sh up</c> (idempotent). A missing broker
/// is a failure, never a skip.
/// </summary>
internal static class Broker
{
    private static readonly Lazy<Task> Up = new(() => RunAsync("up"));

    public static string Host => "127.0.0.1";

    public static int Port => int.TryParse(Environment.GetEnvironmentVariable("EVENTING_RABBITMQ_PORT"), out var port) ? port : 5672;

    public static int StompPort => int.TryParse(Environment.GetEnvironmentVariable("EVENTING_RABBITMQ_STOMP_PORT"), out var port) ? port : 61614;

    /// <summary>AMQP 1.0 (and 0-9-1) endpoint with the test credentials.</summary>
    public static Uri AmqpUri => new($"amqp://guest:guest@{Host}:{Port}");

    public static Uri Amqp091Uri => new($"amqp://guest:guest@{Host}:{Port}/");

    public static Task EnsureUpAsync() => Up.Value;

    public static Task RunAsync(params string[] arguments) => EngScript.RunAsync("brokers.sh", arguments, TimeSpan.FromMinutes(10));
}
