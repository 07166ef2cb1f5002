using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Eventing.Conformance;

/// <summary>
/// The poison corpus, injected through the real broker past Eventing's own envelope code: each bad message is
/// dead-lettered with its reason headers, exactly as often as the retry policy allows, and the good message
/// after it is handled. Protocol-specific poison (non-string 0-9-1 headers, oversized STOMP frames) lives in the
/// provider's own test project, next to the producer that can write it.
/// </summary>
public abstract class PoisonConformance<TTarget>(TTarget target) : ConformanceTests<TTarget>(target)
    where TTarget : ConformanceTarget
{
    private const string EventName = "conformance.faults.poison";
    private const int MaxEnvelopeBytes = 16 * 1024;

    // The listener throws for this number: the case where the dead letter itself carries the awkward value.
    private const int Failing = -1;

    private static readonly JsonSerializerOptions WebJson = new(JsonSerializerDefaults.Web);

    [Theory]
    [InlineData("not JSON", DeadLetterReasons.Malformed)]
    [InlineData("JSON of the wrong shape", DeadLetterReasons.Malformed)]
    [InlineData("another event's type", DeadLetterReasons.UnknownEvent)]
    [InlineData("broken structured JSON", DeadLetterReasons.Malformed)]
    [InlineData("structured data_base64 that is not a string", DeadLetterReasons.Malformed)]
    [InlineData("JSON nested 200 deep", DeadLetterReasons.Malformed)]
    [InlineData("a body over MaxEnvelopeBytes", DeadLetterReasons.TooLarge)]
    [InlineData("a 300-byte correlation id on a failing event", DeadLetterReasons.Failed)]
    public async Task A_poison_message_is_dead_lettered_with_its_reason_and_the_next_message_is_handled(string poison, string reason)
    {
        var run = NewRun();
        var name = Listener("poison-" + Guid.NewGuid().ToString("N")[..8]);
        var good = new Collector<int>();
        var attempts = 0;
        await using var host = await TestHost.StartAsync(Target, options: o => o.MaxEnvelopeBytes = MaxEnvelopeBytes);
        await using var subscription = await host.Events.SubscribeAsync<PoisonCorpusEvent>(name, (e, _, _) =>
        {
            if (e.Run == run)
            {
                if (e.Seq == Failing)
                {
                    Interlocked.Increment(ref attempts);
                    throw new InvalidOperationException("the listener refuses this event");
                }

                good.Add(e.Seq);
            }

            return default;
        });

        var id = Guid.NewGuid().ToString();
        var (body, attributes) = Poison(poison, run, id);
        await Target.PublishRawAsync(EventName, body, attributes, durable: true, CancellationToken.None);
        await host.Events.SendAsync(new PoisonCorpusEvent(run, 1));

        await good.WaitForCountAsync(1, Patience, "the good event after the poison");
        var letter = await ReadOwnDeadLetterAsync(Queue(EventName, name), id);
        Assert.Equal([1], good.Items);
        Assert.Equal(id, letter.Id);
        Assert.Equal(reason, letter.Headers[CloudEventAttributes.DeadLetterReason]);
        foreach (var header in new[] { CloudEventAttributes.ExceptionType, CloudEventAttributes.ExceptionMessage, CloudEventAttributes.FailedListener, CloudEventAttributes.FailedAt, CloudEventAttributes.DeliveryAttempt })
        {
            Assert.False(string.IsNullOrEmpty(letter.Headers.TryGetValue(header, out var value) ? value : null), $"the dead letter has no '{header}' header");
        }

        Assert.Equal(Queue(EventName, name), letter.Headers[CloudEventAttributes.FailedListener]);
        if (reason == DeadLetterReasons.Failed)
        {
            // The retry policy of the conformance hosts is one attempt: a requeue loop would have run it again.
            Assert.Equal(1, Volatile.Read(ref attempts));
            Assert.Equal(new string('c', 300), letter.CorrelationId);
        }
    }

    /// <summary>
    /// Reads the queue's dead letters until the one with <paramref name="id"/> is there. Targets on one broker share
    /// the event's address, so a listener running at the same time in another target's test also gets that test's
    /// raw poison, and dead-letters it here: those are not this test's, and are skipped.
    /// </summary>
    private async Task<Envelope> ReadOwnDeadLetterAsync(string queue, string id)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var remaining = Patience - Stopwatch.GetElapsedTime(started);
            var letters = await Target.ReadDeadLettersAsync(queue, 1, remaining > TimeSpan.Zero ? remaining : TimeSpan.FromMilliseconds(1), CancellationToken.None);
            if (letters.FirstOrDefault(letter => letter.Id == id) is { } own)
            {
                return own;
            }
        }
    }

    private static (byte[] Body, Dictionary<string, string> Attributes) Poison(string poison, string run, string id)
    {
        var attributes = RawAttributes(id, EventName);
        switch (poison)
        {
            case "not JSON":
                return (Encoding.UTF8.GetBytes("this is not JSON at all"), attributes);
            case "JSON of the wrong shape":
                return (Encoding.UTF8.GetBytes("{\"run\":[1,2],\"seq\":\"seven\"}"), attributes);
            case "another event's type":
                attributes[CloudEventAttributes.Type] = "conformance.faults.someone-else";
                return (JsonSerializer.SerializeToUtf8Bytes(new PoisonCorpusEvent(run, 2), WebJson), attributes);
            case "broken structured JSON":
                attributes[CloudEventAttributes.DataContentType] = Envelope.StructuredContentType;
                return (Encoding.UTF8.GetBytes("{\"specversion\":\"1.0\",\"id\":\"" + id + "\",\"type\":"), attributes);
            case "structured data_base64 that is not a string":
                attributes[CloudEventAttributes.DataContentType] = Envelope.StructuredContentType;
                return (Encoding.UTF8.GetBytes($$"""{"specversion":"1.0","id":"{{id}}","type":"{{EventName}}","source":"/conformance/poison","data_base64":5}"""), attributes);
            case "JSON nested 200 deep":
                return (Encoding.UTF8.GetBytes(new string('[', 200) + new string(']', 200)), attributes);
            case "a body over MaxEnvelopeBytes":
                return (JsonSerializer.SerializeToUtf8Bytes(new PoisonCorpusEvent(new string('x', 2 * MaxEnvelopeBytes), 3), WebJson), attributes);
            case "a 300-byte correlation id on a failing event":
                attributes[CloudEventAttributes.CorrelationId] = new string('c', 300);
                return (JsonSerializer.SerializeToUtf8Bytes(new PoisonCorpusEvent(run, Failing), WebJson), attributes);
            default:
                throw new ArgumentOutOfRangeException(nameof(poison), poison, "no such poison case");
        }
    }
}
