using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Eventing.Conformance;

/// <summary>
/// The delivery semantics every provider has, the in-process one included: round trip, fan-out, competing
/// consumers, per-process delivery, ack after success, retries and dead letters, poison input, concurrency and
/// graceful stop.
/// </summary>
public abstract class DeliveryConformance<TTarget>(TTarget target) : ConformanceTests<TTarget>(target)
    where TTarget : ConformanceTarget
{
    private static readonly JsonSerializerOptions WebJson = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task Round_trip_keeps_the_body_and_every_header_byte_exact()
    {
        var run = NewRun();
        var received = new Collector<Envelope>();
        await using var host = await TestHost.StartAsync(Target);
        await using var subscription = await host.Events.SubscribeAsync<RoundTripEvent>(Listener("roundtrip"), (e, context, _) =>
        {
            if (e.Run == run)
            {
                received.Add(context.Envelope.Clone());
            }

            return default;
        });

        var record = new RoundTripEvent(run, 1, "Grüße, \"quoted\" ✓ \\ / 日本", 12345.678m, new DateTimeOffset(2026, 11, 25, 13, 45, 7, 123, TimeSpan.FromHours(2)));
        KeyValuePair<string, string>[] headers =
        [
            new("custom", "välue ✓ with spaces; and = signs"),
            new("correlationid", "corr-" + run),
            new("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
            new("tenant", "acme"),
            new("empty", string.Empty),
        ];
        var (envelope, descriptor) = await host.Sender.CreateEnvelopeAsync(record, headers);
        var sent = envelope.Clone();
        await host.Sender.SendEnvelopeAsync(envelope, descriptor);

        await received.WaitForCountAsync(1, Patience, "the round-trip event");
        var got = received.Items[0];
        Assert.Equal(sent.Body.ToArray(), got.Body.ToArray());
        Assert.Equal(JsonSerializer.SerializeToUtf8Bytes(record, WebJson), got.Body.ToArray());
        Assert.Equal(Attributes(sent), Attributes(got));
        Assert.Equal(sent.Id, got.Id);
        Assert.Equal("conformance.roundtrip", got.Type);
        Assert.Equal(sent.Time, got.Time);
        Assert.Equal("corr-" + run, got.CorrelationId);
        Assert.Equal(5, got.Headers.Count);
    }

    [Fact]
    public async Task Listeners_with_different_names_each_get_every_event()
    {
        var run = NewRun();
        const int count = 10;
        var first = new Collector<int>();
        var second = new Collector<int>();
        await using var host = await TestHost.StartAsync(Target);
        await using var a = await host.Events.SubscribeAsync<FanOutEvent>(Listener("fanout-a"), Collect<FanOutEvent>(run, first));
        await using var b = await host.Events.SubscribeAsync<FanOutEvent>(Listener("fanout-b"), Collect<FanOutEvent>(run, second));

        await SendAllAsync(host, count, seq => new FanOutEvent(run, seq));

        await first.WaitForCountAsync(count, Patience, "every event at listener a");
        await second.WaitForCountAsync(count, Patience, "every event at listener b");
        Assert.Equal(Enumerable.Range(0, count), first.Items.Order());
        Assert.Equal(Enumerable.Range(0, count), second.Items.Order());
    }

    [Fact]
    public async Task Two_instances_of_one_listener_get_each_event_exactly_once_in_total()
    {
        var run = NewRun();
        const int count = 40;
        var received = new Collector<(string Host, int Seq)>();
        var name = Listener("competing");
        await using var hostA = await TestHost.StartAsync(Target);
        await using var hostB = await TestHost.StartAsync(Target);
        await using var a = await hostA.Events.SubscribeAsync<CompetingEvent>(name, (e, _, _) => Record(e.Run, ("a", e.Seq)));
        await using var b = await hostB.Events.SubscribeAsync<CompetingEvent>(name, (e, _, _) => Record(e.Run, ("b", e.Seq)));

        await SendAllAsync(hostA, count, seq => new CompetingEvent(run, seq));

        await received.WaitAsync(items => items.Select(item => item.Seq).Distinct().Count() == count, Patience, "every event at one of the instances");
        await hostA.StopAsync();
        await hostB.StopAsync();
        var seqs = received.Items.Select(item => item.Seq).ToList();
        Assert.Equal(Enumerable.Range(0, count), seqs.Order());

        ValueTask Record(string eventRun, (string, int) item)
        {
            if (eventRun == run)
            {
                received.Add(item);
            }

            return default;
        }
    }

    [Fact]
    public async Task Per_process_listeners_in_two_processes_each_get_every_event()
    {
        var run = NewRun();
        const int count = 10;
        var first = new Collector<int>();
        var second = new Collector<int>();
        var name = Listener("perprocess");
        await using var hostA = await TestHost.StartAsync(Target, options: o => o.ProcessId = "pa-" + run[..8]);
        await using var hostB = await TestHost.StartAsync(Target, options: o => o.ProcessId = "pb-" + run[..8]);
        await using var a = await hostA.Events.SubscribeAsync<PerProcessEvent>(name, Collect<PerProcessEvent>(run, first), perProcess: true);
        await using var b = await hostB.Events.SubscribeAsync<PerProcessEvent>(name, Collect<PerProcessEvent>(run, second), perProcess: true);

        await SendAllAsync(hostA, count, seq => new PerProcessEvent(run, seq));

        await first.WaitForCountAsync(count, Patience, "every event in process a");
        await second.WaitForCountAsync(count, Patience, "every event in process b");
        Assert.Equal(Enumerable.Range(0, count), first.Items.Order());
        Assert.Equal(Enumerable.Range(0, count), second.Items.Order());
    }

    [Fact]
    public async Task An_event_whose_consumer_is_torn_down_mid_handler_is_redelivered_to_the_next_consumer()
    {
        var run = NewRun();
        var name = Listener("ackaftersuccess");
        var started = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var completedByFirst = 0;
        var hostA = await TestHost.StartAsync(Target, options: o => o.ShutdownTimeout = TimeSpan.FromSeconds(1));
        try
        {
            await hostA.Events.SubscribeAsync<AckAfterSuccessEvent>(name, async (e, context, ct) =>
            {
                if (e.Run != run)
                {
                    return;
                }

                started.TrySetResult(context.MessageId);
                // Never finishes by itself: only the teardown's cancellation ends it.
                await Task.Delay(Timeout.InfiniteTimeSpan, ct);
                Interlocked.Increment(ref completedByFirst);
            });
            await hostA.Events.SendAsync(new AckAfterSuccessEvent(run, 1));
            var messageId = await started.Task.WaitAsync(Patience);

            await hostA.DisposeAsync();
            hostA = null;

            var received = new Collector<EventContext>();
            await using var hostB = await TestHost.StartAsync(Target);
            await using var b = await hostB.Events.SubscribeAsync<AckAfterSuccessEvent>(name, (e, context, _) =>
            {
                if (e.Run == run)
                {
                    received.Add(context);
                }

                return default;
            });
            await received.WaitForCountAsync(1, Patience, "the redelivered event at the next consumer");
            Assert.Equal(messageId, received.Items[0].MessageId);
            Assert.True(received.Items[0].Redelivered, "the broker marks the event as redelivered");
            Assert.Equal(0, Volatile.Read(ref completedByFirst));
        }
        finally
        {
            if (hostA is not null)
            {
                await hostA.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_failing_listener_is_retried_per_policy_then_dead_lettered_with_the_failure_headers()
    {
        var run = NewRun();
        var name = Listener("failing");
        var attempts = new Collector<int>();
        await using var host = await TestHost.StartAsync(Target, options: o =>
            o.DefaultRetry = new RetryPolicy(3, TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(50)));
        await using var subscription = await host.Events.SubscribeAsync<FailingEvent>(name, (e, context, _) =>
        {
            if (e.Run == run)
            {
                attempts.Add(context.DeliveryAttempt);
                throw new InvalidOperationException($"boom {e.Seq} in attempt {context.DeliveryAttempt}");
            }

            return default;
        });

        var (envelope, descriptor) = await host.Sender.CreateEnvelopeAsync(new FailingEvent(run, 7), [new("custom", "kept")]);
        var sent = envelope.Clone();
        var before = DateTimeOffset.UtcNow;
        await host.Sender.SendEnvelopeAsync(envelope, descriptor);

        var dead = Assert.Single(await Target.ReadDeadLettersAsync(Queue("conformance.failing", name), 1, Patience, CancellationToken.None));
        Assert.Equal([1, 2, 3], attempts.Items);
        Assert.Equal(sent.Id, dead.Id);
        Assert.Equal(sent.Type, dead.Type);
        Assert.Equal(sent.Body.ToArray(), dead.Body.ToArray());
        Assert.Equal("kept", dead.Headers["custom"]);
        Assert.Equal(DeadLetterReasons.Failed, dead.Headers[CloudEventAttributes.DeadLetterReason]);
        Assert.Equal(typeof(InvalidOperationException).FullName, dead.Headers[CloudEventAttributes.ExceptionType]);
        Assert.Equal("boom 7 in attempt 3", dead.Headers[CloudEventAttributes.ExceptionMessage]);
        Assert.Equal(Queue("conformance.failing", name), dead.Headers[CloudEventAttributes.FailedListener]);
        Assert.Equal("3", dead.Headers[CloudEventAttributes.DeliveryAttempt]);
        var failedAt = DateTimeOffset.Parse(dead.Headers[CloudEventAttributes.FailedAt], CultureInfo.InvariantCulture);
        Assert.InRange(failedAt, before.AddSeconds(-5), DateTimeOffset.UtcNow.AddSeconds(5));
    }

    [Fact]
    public async Task Malformed_json_and_an_unknown_event_are_dead_lettered_and_the_consumer_goes_on()
    {
        var run = NewRun();
        var name = Listener("poison");
        var good = new Collector<int>();
        await using var host = await TestHost.StartAsync(Target);
        await using var subscription = await host.Events.SubscribeAsync<PoisonEvent>(name, Collect<PoisonEvent>(run, good));

        var malformedId = Guid.NewGuid().ToString();
        var unknownId = Guid.NewGuid().ToString();
        await Target.PublishRawAsync("conformance.poison", Encoding.UTF8.GetBytes("{\"run\":\"" + run + "\",\"seq\":"), RawAttributes(malformedId, "conformance.poison"), durable: true, CancellationToken.None);
        await Target.PublishRawAsync("conformance.poison", JsonSerializer.SerializeToUtf8Bytes(new PoisonEvent(run, 2), WebJson), RawAttributes(unknownId, "conformance.nobody-knows-this"), durable: true, CancellationToken.None);
        await host.Events.SendAsync(new PoisonEvent(run, 3));

        await good.WaitForCountAsync(1, Patience, "the good event after the poison");
        var dead = await Target.ReadDeadLettersAsync(Queue("conformance.poison", name), 2, Patience, CancellationToken.None);
        Assert.Equal([3], good.Items);
        Assert.Equal(2, dead.Count);
        var malformed = Assert.Single(dead, envelope => envelope.Id == malformedId);
        var unknown = Assert.Single(dead, envelope => envelope.Id == unknownId);
        Assert.Equal(DeadLetterReasons.Malformed, malformed.Headers[CloudEventAttributes.DeadLetterReason]);
        Assert.Equal(DeadLetterReasons.UnknownEvent, unknown.Headers[CloudEventAttributes.DeadLetterReason]);
        Assert.Equal("conformance.nobody-knows-this", unknown.Type);
    }

    [Fact]
    public async Task The_concurrency_limit_is_honoured()
    {
        var run = NewRun();
        const int limit = 3;
        const int count = 12;
        var current = 0;
        var highest = 0;
        var atLimit = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var done = new Collector<int>();
        await using var host = await TestHost.StartAsync(Target, options: o => o.DefaultConcurrency = limit);
        await using var subscription = await host.Events.SubscribeAsync<ConcurrencyEvent>(Listener("concurrency"), async (e, _, _) =>
        {
            if (e.Run != run)
            {
                return;
            }

            var now = Interlocked.Increment(ref current);
            InterlockedMax(ref highest, now);
            if (now == limit)
            {
                atLimit.TrySetResult();
            }

            await gate.Task;
            Interlocked.Decrement(ref current);
            done.Add(e.Seq);
        });

        await SendAllAsync(host, count, seq => new ConcurrencyEvent(run, seq));
        await atLimit.Task.WaitAsync(Patience);
        // The other deliveries are already waiting in the consumer: a broken limit shows within this window.
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        Assert.Equal(limit, Volatile.Read(ref current));
        gate.SetResult();

        await done.WaitForCountAsync(count, Patience, "every event");
        Assert.Equal(limit, Volatile.Read(ref highest));
        Assert.Equal(Enumerable.Range(0, count), done.Items.Order());
    }

    [Fact]
    public async Task Order_is_kept_with_concurrency_one()
    {
        var run = NewRun();
        const int count = 100;
        var received = new Collector<int>();
        await using var host = await TestHost.StartAsync(Target, options: o => o.DefaultConcurrency = 1);
        await using var subscription = await host.Events.SubscribeAsync<OrderedEvent>(Listener("ordered"), Collect<OrderedEvent>(run, received));

        for (var seq = 0; seq < count; seq++)
        {
            await host.Events.SendAsync(new OrderedEvent(run, seq));
        }

        await received.WaitForCountAsync(count, Patience, "every ordered event");
        Assert.Equal(Enumerable.Range(0, count), received.Items);
    }

    [Fact]
    public async Task Graceful_stop_lets_in_flight_handlers_finish_and_acks_nothing_unhandled()
    {
        var run = NewRun();
        const int count = 20;
        var name = Listener("gracefulstop");
        var started = new Collector<int>();
        var completed = new ConcurrentBag<int>();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var hostA = await TestHost.StartAsync(Target, options: o =>
        {
            o.DefaultConcurrency = 4;
            o.ShutdownTimeout = TimeSpan.FromSeconds(60);
        });
        await using (hostA)
        {
            await hostA.Events.SubscribeAsync<GracefulStopEvent>(name, async (e, _, _) =>
            {
                if (e.Run != run)
                {
                    return;
                }

                started.Add(e.Seq);
                // Ignores cancellation on purpose: graceful stop must wait for it, not abort it.
                await gate.Task;
                completed.Add(e.Seq);
            });
            await SendAllAsync(hostA, count, seq => new GracefulStopEvent(run, seq));
            await started.WaitForCountAsync(4, Patience, "four handlers in flight");

            var stopping = hostA.StopAsync();
            _ = Task.Delay(TimeSpan.FromMilliseconds(200)).ContinueWith(_ => gate.TrySetResult(), TaskScheduler.Default);
            await stopping.WaitAsync(Patience);

            // Every handler that started has finished before stop returned.
            Assert.Equal(started.Items.Order(), completed.Order());
        }

        var handledByA = completed.ToHashSet();
        var rest = Enumerable.Range(0, count).Where(seq => !handledByA.Contains(seq)).ToHashSet();
        var received = new Collector<int>();
        await using var hostB = await TestHost.StartAsync(Target);
        await using var b = await hostB.Events.SubscribeAsync<GracefulStopEvent>(name, Collect<GracefulStopEvent>(run, received));
        await received.WaitAsync(items => rest.IsSubsetOf(items), Patience, "every event the stopped host did not handle");
        Assert.DoesNotContain(received.Items, handledByA.Contains);
    }

    /// <summary>
    /// Every attribute of an envelope as it goes on the wire, sorted by name: CloudEvents attributes have no
    /// order, and STOMP brokers do not keep header order (RabbitMQ reverses it, ActiveMQ keeps a map).
    /// </summary>
    protected static List<KeyValuePair<string, string>> Attributes(Envelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var list = new List<KeyValuePair<string, string>>();
        foreach (var attribute in envelope.GetAttributes())
        {
            list.Add(attribute);
        }

        list.Sort((left, right) => string.CompareOrdinal(left.Key, right.Key));
        return list;
    }

    internal static Func<TEvent, EventContext, CancellationToken, ValueTask> Collect<TEvent>(string run, Collector<int> collector)
        where TEvent : IConformanceEvent
        => (e, _, _) =>
        {
            if (e.Run == run)
            {
                collector.Add(e.Seq);
            }

            return default;
        };

    internal static Task SendAllAsync<TEvent>(TestHost host, int count, Func<int, TEvent> create)
        where TEvent : notnull
    {
        var sends = new Task[count];
        for (var seq = 0; seq < count; seq++)
        {
            sends[seq] = host.Events.SendAsync(create(seq)).AsTask();
        }

        return Task.WhenAll(sends);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var seen = Volatile.Read(ref target);
        while (value > seen)
        {
            var previous = Interlocked.CompareExchange(ref target, value, seen);
            if (previous == seen)
            {
                return;
            }

            seen = previous;
        }
    }
}
