namespace Eventing.AspNetCore.Tests.Infrastructure;

/// <summary>Unique names and the common server shapes of the tests.</summary>
internal static class TestStreams
{
    public const string Alice = "alice@acme";
    public const string Bob = "bob@globex";

    public static string NewName() => "t" + Guid.NewGuid().ToString("N")[..12];

    public static string RabbitMqUri =>
        Environment.GetEnvironmentVariable("EVENTING_RABBITMQ_URI") is { Length: > 0 } uri ? uri : "amqp://guest:guest@127.0.0.1:5672/";

    /// <summary>
    /// A server on the in-process provider with one stream of <see cref="TestOrder"/> and <see cref="TestNote"/>
    /// (public notes only), filtered by the user's tenant.
    /// </summary>
    public static Task<StreamServer> StartLocalAsync(string stream, Action<EventStreamOptions>? options = null) =>
        StreamServer.StartAsync(events => Tenanted(events, stream, run: null, options).UseLocal(), stream);

    /// <summary>The same stream through RabbitMQ; only events of <paramref name="run"/> pass (the broker is shared).</summary>
    public static Task<StreamServer> StartRabbitMqAsync(string stream, string run, Action<EventStreamOptions>? options = null) =>
        StreamServer.StartAsync(events => Tenanted(events, stream, run, options).UseRabbitMq(rabbit => rabbit.Uri = new Uri(RabbitMqUri)), stream);

    private static EventingBuilder Tenanted(EventingBuilder events, string stream, string? run, Action<EventStreamOptions>? options) =>
        events.AddEventStreams(streams => streams.Stream(stream, s =>
        {
            s.Include<TestOrder>(e => run is null || e.Run == run)
                .Include<TestNote>(e => e.Public && (run is null || e.Run == run))
                .ForUser<ITenanted>((e, user) => e.Tenant == user.FindFirst("tenant")?.Value);
            if (options is not null)
            {
                s.Configure(options);
            }
        }));
}
