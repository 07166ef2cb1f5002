using System.Diagnostics;
using Eventing.Providers;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Eventing.Conformance;

/// <summary>
/// What every provider reports to OpenTelemetry, read through the SDK's in-memory exporter as an application would
/// see it: a send span and a process span per attempt in one trace (binary and structured mode), failures with their
/// exception and a retry or dead-letter event, and the messaging metrics.
/// </summary>
public abstract class TelemetryConformance<TTarget>(TTarget target) : ConformanceTests<TTarget>(target)
    where TTarget : ConformanceTarget
{
    private const string Traced = "conformance.traced";

    // The application's own span around the send: the trace the messages must continue.
    private static readonly ActivitySource Application = new("Eventing.Conformance.Application");

    private static readonly string[] KnownSystems = ["rabbitmq", "stomp", "amqp", "local"];

    [Theory]
    [InlineData(ContentMode.Binary)]
    [InlineData(ContentMode.Structured)]
    public async Task A_send_and_its_delivery_are_one_trace_with_the_process_span_a_child_of_the_send_span(ContentMode mode)
    {
        var spans = new SpanCollection();
        using var tracing = StartTracing(spans);
        var run = NewRun();
        var name = Listener($"traced-{mode}".ToLowerInvariant());
        var received = new Collector<string>();
        await using var host = await TestHost.StartAsync(Target, options: o => o.DefaultContentMode = mode);
        await using var subscription = await host.Events.SubscribeAsync<TracedEvent>(name, (e, context, _) =>
        {
            if (e.Run == run)
            {
                received.Add(context.MessageId);
            }

            return default;
        });

        Activity root;
        using (root = Application.StartActivity("place order")!)
        {
            await host.Events.SendAsync(new TracedEvent(run, 1));
        }

        await received.WaitForCountAsync(1, Patience, "the traced event");
        var send = Assert.Single(await spans.WaitAsync(root.TraceId, $"send {Traced}", 1, Patience));
        var process = Assert.Single(await spans.WaitAsync(root.TraceId, $"process {Traced}", 1, Patience));
        var system = host.Services.GetRequiredService<IProvider>().MessagingSystem;
        Assert.Contains(system, KnownSystems);

        Assert.Equal(ActivityKind.Producer, send.Kind);
        Assert.Equal(root.SpanId, send.ParentSpanId);
        Assert.Equal(system, send.GetTagItem("messaging.system"));
        Assert.Equal(Traced, send.GetTagItem("messaging.destination.name"));
        Assert.Equal("send", send.GetTagItem("messaging.operation.type"));
        Assert.Equal(received.Items[0], send.GetTagItem("messaging.message.id"));

        Assert.Equal(ActivityKind.Consumer, process.Kind);
        Assert.Equal(send.SpanId, process.ParentSpanId);
        Assert.Contains(process.Links, link => link.Context.SpanId == send.SpanId && link.Context.TraceId == send.TraceId);
        Assert.Equal(system, process.GetTagItem("messaging.system"));
        Assert.Equal(Traced, process.GetTagItem("messaging.destination.name"));
        Assert.Equal(name, process.GetTagItem("messaging.consumer.group.name"));
        Assert.Equal("process", process.GetTagItem("messaging.operation.type"));
        Assert.Equal(received.Items[0], process.GetTagItem("messaging.message.id"));
        Assert.Equal(1, process.GetTagItem("eventing.delivery.attempt"));
        Assert.Equal(ActivityStatusCode.Unset, process.Status);
    }

    [Fact]
    public async Task Each_failed_attempt_is_a_span_with_its_exception_and_a_retry_event_and_the_last_one_a_dead_letter_event()
    {
        var spans = new SpanCollection();
        using var tracing = StartTracing(spans);
        var run = NewRun();
        var name = Listener("traced-failing");
        await using var host = await TestHost.StartAsync(Target, options: o => o.DefaultRetry = new RetryPolicy(2, TimeSpan.Zero, TimeSpan.Zero));
        await using var subscription = await host.Events.SubscribeAsync<TracedEvent>(name, (e, _, _) =>
            e.Run == run ? throw new InvalidOperationException($"downstream refused {e.Seq}") : default);

        Activity root;
        using (root = Application.StartActivity("place order")!)
        {
            await host.Events.SendAsync(new TracedEvent(run, 7));
        }

        var send = Assert.Single(await spans.WaitAsync(root.TraceId, $"send {Traced}", 1, Patience));
        var attempts = (await spans.WaitAsync(root.TraceId, $"process {Traced}", 2, Patience))
            .OrderBy(span => (int)span.GetTagItem("eventing.delivery.attempt")!)
            .ToList();
        Assert.Equal(2, attempts.Count);
        foreach (var attempt in attempts)
        {
            Assert.Equal(send.SpanId, attempt.ParentSpanId);
            Assert.Equal(ActivityStatusCode.Error, attempt.Status);
            Assert.Equal(typeof(InvalidOperationException).FullName, attempt.GetTagItem("error.type"));
            var exception = Assert.Single(attempt.Events, e => e.Name == "exception");
            Assert.Contains(exception.Tags, tag => tag.Key == "exception.message" && Equals(tag.Value, "downstream refused 7"));
        }

        Assert.Contains(attempts[0].Events, e => e.Name == "eventing.retry");
        Assert.DoesNotContain(attempts[0].Events, e => e.Name == "eventing.dead_letter");
        var deadLetter = Assert.Single(attempts[1].Events, e => e.Name == "eventing.dead_letter");
        Assert.Contains(deadLetter.Tags, tag => tag.Key == "eventing.dead_letter.reason" && Equals(tag.Value, "failed"));
    }

    [Fact]
    public async Task Sends_deliveries_durations_retries_and_dead_letters_are_measured_with_the_listener_as_a_tag()
    {
        var run = NewRun();
        var name = Listener("measured");
        var handled = new Collector<int>();
        await using var host = await TestHost.StartAsync(Target, options: o => o.DefaultRetry = new RetryPolicy(2, TimeSpan.Zero, TimeSpan.Zero));
        using var measured = new HostMeasurements(host);
        await using var subscription = await host.Events.SubscribeAsync<TracedEvent>(name, (e, _, _) =>
        {
            if (e.Run != run)
            {
                return default;
            }

            if (e.Seq == 0)
            {
                throw new InvalidOperationException("always fails");
            }

            handled.Add(e.Seq);
            return default;
        });

        for (var seq = 0; seq < 4; seq++)
        {
            await host.Events.SendAsync(new TracedEvent(run, seq));
        }

        await handled.WaitForCountAsync(3, Patience, "the events that succeed");
        var consumer = new KeyValuePair<string, object?>("messaging.consumer.group.name", name);
        var deadline = DateTime.UtcNow + Patience;
        while (measured.Sum("eventing.dead_letters", consumer) < 1)
        {
            Assert.True(DateTime.UtcNow < deadline, "The dead letter of the event that always fails was not counted.");
            await Task.Delay(100);
        }

        var system = new KeyValuePair<string, object?>("messaging.system", host.Services.GetRequiredService<IProvider>().MessagingSystem);
        Assert.Equal(4, measured.Sum("messaging.client.sent.messages", system, new KeyValuePair<string, object?>("messaging.destination.name", Traced)));
        Assert.True(measured.Sum("messaging.client.consumed.messages", consumer, system) >= 4);
        Assert.True(measured.Count("messaging.process.duration", consumer) >= 5, "3 successes and 2 failed attempts are timed.");
        Assert.True(measured.Count("messaging.process.duration", consumer, new KeyValuePair<string, object?>("error.type", typeof(InvalidOperationException).FullName)) >= 2);
        Assert.True(measured.Sum("eventing.retries", consumer) >= 1);
        Assert.Equal(1, measured.Sum("eventing.dead_letters", consumer, new KeyValuePair<string, object?>("eventing.dead_letter.reason", "failed")));
        Assert.True(measured.Count("eventing.handlers.in_flight", consumer) >= 1, "In-flight handlers are observed per listener.");
    }

    /// <summary>The OpenTelemetry SDK as an application wires it, exporting the Eventing spans and the test's own into <paramref name="spans"/>.</summary>
    private static TracerProvider StartTracing(SpanCollection spans) =>
        Sdk.CreateTracerProviderBuilder()
            .AddSource(EventingDiagnostics.ActivitySourceName, Application.Name)
            .AddInMemoryExporter(spans)
            .Build();
}
