using Microsoft.Extensions.DependencyInjection;

namespace Eventing.Tests;

public sealed class PipelineTests
{
    public sealed class Journal
    {
        private readonly Lock _gate = new();
        private readonly List<string> _entries = [];

        public IReadOnlyList<string> Entries
        {
            get
            {
                lock (_gate)
                {
                    return [.. _entries];
                }
            }
        }

        public void Add(string entry)
        {
            lock (_gate)
            {
                _entries.Add(entry);
            }
        }
    }

    public sealed class Outer(Journal journal) : EnvelopePipeline
    {
        public override ValueTask SendAsync(Envelope envelope, EventDescriptor @event, CancellationToken cancellationToken)
        {
            journal.Add("send outer");
            envelope.Headers["order"] = "outer";
            return default;
        }

        public override async ValueTask HandleAsync(Envelope envelope, ListenerDescriptor listener, EnvelopeHandler next, CancellationToken cancellationToken)
        {
            journal.Add("handle outer before");
            await next(envelope, cancellationToken);
            journal.Add("handle outer after");
        }
    }

    public sealed class Inner(Journal journal) : EnvelopePipeline
    {
        public override ValueTask SendAsync(Envelope envelope, EventDescriptor @event, CancellationToken cancellationToken)
        {
            journal.Add("send inner");
            envelope.Headers["order"] = envelope.Headers["order"] + ",inner";
            return default;
        }

        public override async ValueTask HandleAsync(Envelope envelope, ListenerDescriptor listener, EnvelopeHandler next, CancellationToken cancellationToken)
        {
            journal.Add("handle inner before");
            await next(envelope, cancellationToken);
            journal.Add("handle inner after");
        }
    }

    /// <summary>Carries a user name from sender to handler through an AsyncLocal, as a session interceptor would.</summary>
    public sealed class UserPipeline : EnvelopePipeline
    {
        public static readonly AsyncLocal<string?> CurrentUser = new();

        public override ValueTask SendAsync(Envelope envelope, EventDescriptor @event, CancellationToken cancellationToken)
        {
            if (CurrentUser.Value is { } user)
            {
                envelope.Headers["user"] = user;
            }

            return default;
        }

        public override async ValueTask HandleAsync(Envelope envelope, ListenerDescriptor listener, EnvelopeHandler next, CancellationToken cancellationToken)
        {
            CurrentUser.Value = envelope.Headers.TryGetValue("user", out var user) ? user : null;
            try
            {
                await next(envelope, cancellationToken);
            }
            finally
            {
                CurrentUser.Value = null;
            }
        }
    }

    /// <summary>Sets an ambient value in a synchronous stage and never clears it: what it finds shows a leak.</summary>
    public sealed class LeavingPipeline : EnvelopePipeline
    {
        private readonly AsyncLocal<string?> _ambient = new();

        public List<string?> FoundBefore { get; } = [];

        public override ValueTask HandleAsync(Envelope envelope, ListenerDescriptor listener, EnvelopeHandler next, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(envelope);
            ArgumentNullException.ThrowIfNull(next);
            lock (FoundBefore)
            {
                FoundBefore.Add(_ambient.Value);
            }

            _ambient.Value = envelope.Id;
            return next(envelope, cancellationToken);
        }
    }

    public sealed class JournalListener(Journal journal, Recorder recorder) : EventListener<OrderPlaced>
    {
        protected override void On(OrderPlaced @event, EventContext context)
        {
            journal.Add("listener");
            recorder.Record("journal", @event, context);
        }
    }

    public sealed class UserListener(Recorder recorder) : EventListener<OrderPlaced>
    {
        public static readonly List<string?> UsersSeen = [];

        protected override void On(OrderPlaced @event, EventContext context)
        {
            lock (UsersSeen)
            {
                UsersSeen.Add(UserPipeline.CurrentUser.Value);
            }

            recorder.Record("user", @event, context);
        }
    }

    [Fact]
    public async Task The_first_registered_pipeline_is_outermost_on_both_sides()
    {
        var journal = new Journal();
        var recorder = new Recorder();
        await using var host = await TestHost.StartAsync(
            events => events.AddPipeline<Outer>().AddPipeline<Inner>().AddListener<JournalListener>(l => l.Name("pipeline-order")),
            services => services.AddSingleton(journal).AddSingleton(recorder));

        await host.Events.SendAsync(new OrderPlaced(1, "ada"));
        await recorder.WaitForAsync(1);
        await host.StopAsync();

        Assert.Equal(
            ["send outer", "send inner", "handle outer before", "handle inner before", "listener", "handle inner after", "handle outer after"],
            journal.Entries);
        Assert.Equal("outer,inner", recorder.Seen[0].Context.Headers["order"]);
    }

    [Fact]
    public async Task A_pipeline_sets_an_ambient_value_for_the_handler_and_clears_it_afterwards()
    {
        var recorder = new Recorder();
        await using var host = await TestHost.StartAsync(
            events => events.AddPipeline<UserPipeline>().AddListener<UserListener>(l => l.Name("pipeline-user")),
            services => services.AddSingleton(recorder));

        UserPipeline.CurrentUser.Value = "ada";
        await host.Events.SendAsync(new OrderPlaced(1, "ada"));
        UserPipeline.CurrentUser.Value = null;
        await recorder.WaitForAsync(1);

        Assert.Equal("ada", recorder.Seen[0].Context.Headers["user"]);
        lock (UserListener.UsersSeen)
        {
            Assert.Contains("ada", UserListener.UsersSeen);
        }

        Assert.Null(UserPipeline.CurrentUser.Value);
    }

    [Fact]
    public async Task Headers_given_to_send_arrive_at_the_listener_with_the_message_id()
    {
        var recorder = new Recorder();
        await using var host = await TestHost.StartAsync(
            events => events.AddListener<JournalListener>(l => l.Name("pipeline-headers")),
            services => services.AddSingleton(new Journal()).AddSingleton(recorder));

        await host.Events.SendAsync(new OrderPlaced(2, "bob"), [new("tenant", "acme"), new("correlationid", "c-42")]);
        await recorder.WaitForAsync(1);

        var context = recorder.Seen[0].Context;
        Assert.Equal("acme", context.Headers["tenant"]);
        Assert.Equal("c-42", context.Envelope.CorrelationId);
        Assert.True(Guid.TryParse(context.MessageId, out _));
        Assert.Equal(1, context.DeliveryAttempt);
        Assert.Equal("tests.order-placed", context.Envelope.Type);
        Assert.Equal(new OrderPlaced(2, "bob"), recorder.Seen[0].Event);
    }

    [Fact]
    public async Task An_invalid_header_given_to_send_is_refused_before_anything_is_sent()
    {
        var recorder = new Recorder();
        await using var host = await TestHost.StartAsync(
            events => events.AddListener<JournalListener>(l => l.Name("pipeline-invalid")),
            services => services.AddSingleton(new Journal()).AddSingleton(recorder));

        var error = await Assert.ThrowsAsync<InvalidHeaderException>(async () =>
            await host.Events.SendAsync(new OrderPlaced(2, "bob"), [new("Tenant", "acme")]));
        Assert.Equal("Tenant", error.Header);
        Assert.Equal(0, host.Broker.GetQueueDepth("tests.order-placed::pipeline-invalid"));
    }

    [Fact]
    public async Task What_a_pipeline_leaves_in_the_execution_context_ends_with_its_delivery()
    {
        // The receive chain completes synchronous deliveries without a state machine per stage; the delivery as a
        // whole is still the boundary of the execution context, so the next delivery starts clean.
        var recorder = new Recorder();
        var leaving = new LeavingPipeline();
        await using var host = await TestHost.StartAsync(
            events => events.AddPipeline(leaving).AddListener<JournalListener>(l => l.Name("pipeline-leaving")),
            services => services.AddSingleton(new Journal()).AddSingleton(recorder));

        for (var i = 0; i < 3; i++)
        {
            await host.Events.SendAsync(new OrderPlaced(i, "leaving"));
        }

        await recorder.WaitForAsync(3);
        lock (leaving.FoundBefore)
        {
            Assert.Equal([null, null, null], leaving.FoundBefore);
        }
    }
}
