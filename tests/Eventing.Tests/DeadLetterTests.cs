using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text;
using Eventing.Local;
using Eventing.Providers;
using Microsoft.Extensions.DependencyInjection;

namespace Eventing.Tests;

/// <summary>The core's side of dead-lettering: what it sends, and what happens when the send itself fails.</summary>
public sealed class DeadLetterTests
{
    private const string Event = "tests.order-placed";

    [Fact]
    public async Task A_structured_envelope_whose_data_base64_is_not_a_string_is_dead_lettered_and_the_consumer_goes_on()
    {
        var recorder = new Recorder();
        var name = "b64-" + Guid.NewGuid().ToString("N");
        await using var host = await TestHost.StartAsync(
            events => events.AddListener<FailureTests.Flaky>(l => l.Name(name)),
            services => services.AddSingleton(recorder));
        var provider = host.Services.GetRequiredService<IProvider>();

        var poison = new Envelope(Event, Encoding.UTF8.GetBytes($$"""{"specversion":"1.0","id":"p1","type":"{{Event}}","source":"/t","data_base64":5}"""))
        {
            DataContentType = Envelope.StructuredContentType,
        };
        await provider.SendAsync(poison, new EventDescriptor(Event), CancellationToken.None);
        await host.Events.SendAsync(new OrderPlaced(0, "after"));
        await recorder.WaitForAsync(2).WaitAsync(TimeSpan.FromSeconds(10));

        var letter = Assert.Single(await FailureTests.WaitForDeadLettersAsync(host, $"{Event}::{name}", 1));
        Assert.Equal(DeadLetterReasons.Malformed, letter.Headers[CloudEventAttributes.DeadLetterReason]);
        Assert.Contains("data_base64", letter.Headers[CloudEventAttributes.ExceptionMessage], StringComparison.Ordinal);
        Assert.Equal("after", ((OrderPlaced)Assert.Single(recorder.Seen, s => s.Listener == "attempt").Event).Customer);
    }

    [Fact]
    public async Task A_delivery_the_provider_could_not_read_is_dead_lettered_with_its_reason_and_the_consumer_goes_on()
    {
        var recorder = new Recorder();
        var name = "unreadable-" + Guid.NewGuid().ToString("N");
        var broker = new LocalBroker();
        await using var host = await StartAsync(name, recorder, new UnreadableFirstProvider(new LocalProvider(broker)), broker);

        await host.Events.SendAsync(new OrderPlaced(0, "unreadable"));
        await host.Events.SendAsync(new OrderPlaced(0, "readable"));
        await recorder.WaitForAsync(2).WaitAsync(TimeSpan.FromSeconds(10));

        var letter = Assert.Single(await FailureTests.WaitForDeadLettersAsync(host, $"{Event}::{name}", 1));
        Assert.Equal(DeadLetterReasons.TooLarge, letter.Headers[CloudEventAttributes.DeadLetterReason]);
        Assert.Equal(typeof(EnvelopeTooLargeException).FullName, letter.Headers[CloudEventAttributes.ExceptionType]);
        Assert.Contains("frame over the limit", letter.Headers[CloudEventAttributes.ExceptionMessage], StringComparison.Ordinal);
        Assert.Equal("readable", ((OrderPlaced)Assert.Single(recorder.Seen, s => s.Listener == "attempt").Event).Customer);
    }

    [Fact]
    public async Task A_dead_letter_keeps_every_value_within_the_size_every_protocol_carries_and_marks_what_it_cut()
    {
        var recorder = new Recorder();
        var name = "oversized-" + Guid.NewGuid().ToString("N");
        await using var host = await TestHost.StartAsync(
            events => events.AddListener<FailureTests.Flaky>(l => l.Name(name).Retry(1)),
            services => services.AddSingleton(recorder));

        // 8 KiB is a valid header value, but a STOMP broker gets a 16 KiB line once ':' is escaped.
        var colons = new string(':', 8 * 1024);
        await host.Events.SendAsync(new OrderPlaced(5, "fails"), [new("note", colons), new("short", "kept")]);

        var letter = Assert.Single(await FailureTests.WaitForDeadLettersAsync(host, $"{Event}::{name}", 1));
        var note = letter.Headers["note"];
        Assert.EndsWith("…[truncated]", note, StringComparison.Ordinal);
        Assert.True(Encoding.UTF8.GetByteCount(note) <= 4 * 1024, $"{Encoding.UTF8.GetByteCount(note)} bytes");
        Assert.StartsWith(new string(':', 4000), note, StringComparison.Ordinal);
        Assert.Equal("kept", letter.Headers["short"]);
        Assert.Equal(DeadLetterReasons.Failed, letter.Headers[CloudEventAttributes.DeadLetterReason]);
    }

    [Fact]
    public async Task A_failed_dead_letter_send_is_requeued_after_a_growing_backoff_counted_and_dead_lettered_once_it_succeeds()
    {
        var recorder = new Recorder();
        var name = "dlq-refuses-" + Guid.NewGuid().ToString("N");
        var broker = new LocalBroker();
        var refusing = new DeadLetterRefusingProvider(new LocalProvider(broker), refusals: 2);
        long failures = 0;
        using var meter = new MeterListener();
        meter.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "Eventing" && instrument.Name == "eventing.dead_letter.failures")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        meter.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref failures, value));
        meter.Start();
        await using var host = await StartAsync(name, recorder, refusing, broker, retry: 2);

        await host.Events.SendAsync(new OrderPlaced(99, "always fails"));
        var letter = Assert.Single(await FailureTests.WaitForDeadLettersAsync(host, $"{Event}::{name}", 1).WaitAsync(TimeSpan.FromSeconds(20)));

        // Two refused dead-letter sends, so three cycles of two attempts each; a hot loop would run far more.
        Assert.Equal(6, recorder.CountFor("attempt"));
        Assert.Equal(3, refusing.DeadLetterCalls);
        Assert.Equal(2, Interlocked.Read(ref failures));
        Assert.Equal(DeadLetterReasons.Failed, letter.Headers[CloudEventAttributes.DeadLetterReason]);

        // Backoff of about 1 s, then about 2 s (±20 % jitter) between a refused dead letter and the next cycle.
        var gaps = refusing.Gaps;
        Assert.True(gaps[0] >= TimeSpan.FromMilliseconds(800), $"first gap {gaps[0]}");
        Assert.True(gaps[1] >= TimeSpan.FromMilliseconds(1600), $"second gap {gaps[1]}");
    }

    private static Task<TestHost> StartAsync(string name, Recorder recorder, IProvider provider, LocalBroker broker, int retry = 1) =>
        TestHost.StartAsync(
            events => events.AddListener<FailureTests.Flaky>(l => l.Name(name).Retry(retry, TimeSpan.FromMilliseconds(1))),
            services => services.AddSingleton(recorder).AddSingleton(broker),
            provider: provider);

    /// <summary>The local provider, except that its first dead-letter sends fail as a deleted queue would.</summary>
    private sealed class DeadLetterRefusingProvider(IProvider inner, int refusals) : ForwardingProvider(inner)
    {
        private readonly List<TimeSpan> _gaps = [];
        private long _lastRefusal;
        private int _calls;

        public int DeadLetterCalls => Volatile.Read(ref _calls);

        public IReadOnlyList<TimeSpan> Gaps
        {
            get
            {
                lock (_gaps)
                {
                    return [.. _gaps];
                }
            }
        }

        public override ValueTask DeadLetterAsync(Envelope envelope, ListenerDescriptor listener, CancellationToken cancellationToken)
        {
            var call = Interlocked.Increment(ref _calls);
            var now = Stopwatch.GetTimestamp();
            lock (_gaps)
            {
                if (_lastRefusal != 0)
                {
                    _gaps.Add(Stopwatch.GetElapsedTime(_lastRefusal, now));
                }

                if (call <= refusals)
                {
                    _lastRefusal = now;
                    throw new InvalidOperationException("the dead-letter queue does not exist");
                }
            }

            return base.DeadLetterAsync(envelope, listener, cancellationToken);
        }
    }

    /// <summary>The local provider, except that it hands its first delivery over as one it could not read.</summary>
    private sealed class UnreadableFirstProvider(IProvider inner) : ForwardingProvider(inner)
    {
        public override async Task<IProviderSubscription> SubscribeAsync(ListenerDescriptor listener, CancellationToken cancellationToken) =>
            new FirstUnreadable(await base.SubscribeAsync(listener, cancellationToken));

        private sealed class FirstUnreadable(IProviderSubscription inner) : ChannelReader<Delivery>, IProviderSubscription
        {
            private int _seen;

            public ChannelReader<Delivery> Deliveries => this;

            public override bool TryRead([MaybeNullWhen(false)] out Delivery item)
            {
                if (!inner.Deliveries.TryRead(out var delivery))
                {
                    item = null;
                    return false;
                }

                item = Interlocked.Increment(ref _seen) == 1 ? new Unreadable(delivery) : delivery;
                return true;
            }

            public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) => inner.Deliveries.WaitToReadAsync(cancellationToken);

            public Task StopReceivingAsync(CancellationToken cancellationToken) => inner.StopReceivingAsync(cancellationToken);

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }

        private sealed class Unreadable(Delivery real)
            : Delivery(new Envelope(string.Empty, ReadOnlyMemory<byte>.Empty), new EnvelopeTooLargeException("frame over the limit"))
        {
            public override ValueTask AckAsync(CancellationToken cancellationToken) => real.AckAsync(cancellationToken);

            public override ValueTask RequeueAsync(CancellationToken cancellationToken) => real.RequeueAsync(cancellationToken);
        }
    }
}
