using Eventing.AspNetCore;
using Eventing.AspNetCore.Carriers;
using Eventing.AspNetCore.Diagnostics;
using Eventing.AspNetCore.Endpoints;
using Eventing.AspNetCore.Hosting;
using Eventing.AspNetCore.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Eventing;

/// <summary>Adds event streams to browsers (WebSocket, Server-Sent Events) to Eventing.</summary>
public static class EventStreamsEventingBuilderExtensions
{
    /// <summary>
    /// Defines named event streams. Each stream gets one per-process listener per event type, so every web instance
    /// pushes every event to its own clients. Map a stream to a route with <c>app.MapEventStream(name, pattern)</c>.
    /// </summary>
    /// <example>
    /// <code>
    /// builder.Services.AddEventing(events =&gt; events
    ///     .AddEventStreams(streams =&gt; streams
    ///         .Stream("orders", s =&gt; s
    ///             .Include&lt;OrderPlaced&gt;()
    ///             .Include&lt;OrderShipped&gt;(e =&gt; e.Public)
    ///             .ForUser&lt;ITenantEvent&gt;((e, user) =&gt; e.TenantId == user.FindFirst("tenant")?.Value)))
    ///     .UseRabbitMq(rabbit =&gt; rabbit.Uri = new Uri("amqp://127.0.0.1")));
    ///
    /// app.MapEventStream("orders", "/events/orders").RequireAuthorization("staff");
    /// </code>
    /// </example>
    public static EventingBuilder AddEventStreams(this EventingBuilder events, Action<EventStreamsBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(configure);
        var services = events.Services;
        var setup = services.FirstOrDefault(service => service.ServiceType == typeof(EventStreamsSetup))?.ImplementationInstance as EventStreamsSetup;
        var first = setup is null;
        setup ??= new EventStreamsSetup();
        configure(new EventStreamsBuilder(setup, events));
        if (!first)
        {
            return events;
        }

        services.AddSingleton(setup);
        services.AddMetrics();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EventStreamOptions>, EventStreamOptionsValidator>());
        services.TryAddSingleton(provider => new EventStreamMetrics(provider.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.TryAddSingleton<EventStreams>();
        services.TryAddSingleton<EventStreamEndpoint>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, EventStreamsHostedService>());
        // Registered after configure ran, so carriers added there come first.
        services.AddSingleton<IEventStreamCarrier, WebSocketCarrier>();
        services.AddSingleton<IEventStreamCarrier, ServerSentEventsCarrier>();
        return events;
    }
}
