using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Eventing.Tests;

public sealed class RegistrationTests
{
    private sealed class ClashAListener : EventListener<ClashA>
    {
        protected override void On(ClashA @event, EventContext context)
        {
        }
    }

    private sealed class ClashBListener : EventListener<ClashB>
    {
        protected override void On(ClashB @event, EventContext context)
        {
        }
    }

    private sealed class NotAnEventListener : EventListener<NotAnEvent>
    {
        protected override void On(NotAnEvent @event, EventContext context)
        {
        }
    }

    private sealed class BadNameListener : EventListener<BadlyNamed>
    {
        protected override void On(BadlyNamed @event, EventContext context)
        {
        }
    }

    private sealed class UnnamedListener(Recorder recorder) : EventListener<Unnamed>
    {
        protected override void On(Unnamed @event, EventContext context) => recorder.Record("unnamed", @event, context);
    }

    [Fact]
    public async Task Two_event_types_with_one_name_fail_at_startup_naming_both_types()
    {
        var error = await Assert.ThrowsAsync<EventRegistrationException>(() =>
            TestHost.StartAsync(events => events.AddListener<ClashAListener>().AddListener<ClashBListener>()));
        Assert.Contains(nameof(ClashA), error.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(ClashB), error.Message, StringComparison.Ordinal);
        Assert.Contains("tests.clash", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explicitly_added_event_types_with_one_name_fail_at_startup_not_at_first_send()
    {
        var error = await Assert.ThrowsAsync<EventRegistrationException>(() =>
            TestHost.StartAsync(events => events.AddEvent<ClashA>().AddEvent<ClashB>()));
        Assert.Contains(nameof(ClashB), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_listener_of_a_type_without_the_event_attribute_fails_at_startup()
    {
        var error = await Assert.ThrowsAsync<EventRegistrationException>(() =>
            TestHost.StartAsync(events => events.AddListener<NotAnEventListener>()));
        Assert.Contains(nameof(NotAnEvent), error.Message, StringComparison.Ordinal);
        Assert.Contains("[Event", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sending_a_type_without_the_event_attribute_is_a_clear_exception()
    {
        await using var host = await TestHost.StartAsync(_ => { });
        var error = await Assert.ThrowsAsync<EventRegistrationException>(async () => await host.Events.SendAsync(new NotAnEvent(1)));
        Assert.Contains(nameof(NotAnEvent), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_event_name_with_a_routing_wildcard_or_separator_is_refused()
    {
        var error = await Assert.ThrowsAsync<EventRegistrationException>(() =>
            TestHost.StartAsync(events => events.AddListener<BadNameListener>()));
        Assert.Contains("tests/bad", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_default_event_name_is_the_type_name()
    {
        var recorder = new Recorder();
        await using var host = await TestHost.StartAsync(
            events => events.AddListener<UnnamedListener>(),
            services => services.AddSingleton(recorder));
        await host.Events.SendAsync(new Unnamed(7));
        await recorder.WaitForAsync(1);
        Assert.Equal(nameof(Unnamed), recorder.Seen[0].Context.Envelope.Type);
    }

    [Fact]
    public void A_listener_class_that_is_not_an_event_listener_is_refused_at_registration()
    {
        var services = new ServiceCollection();
        var error = Assert.Throws<EventRegistrationException>(() => services.AddEventing(events => events.AddListener<Recorder>().UseLocal()));
        Assert.Contains(nameof(Recorder), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Forgetting_the_provider_is_a_clear_exception()
    {
        var services = new ServiceCollection();
        var error = Assert.Throws<InvalidOperationException>(() => services.AddEventing(_ => { }));
        Assert.Contains("UseLocal()", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_providers_are_a_clear_exception()
    {
        var services = new ServiceCollection();
        var error = Assert.Throws<InvalidOperationException>(() => services.AddEventing(events => events.UseLocal().UseLocal()));
        Assert.Contains("already has a provider", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_options_fail_at_start_naming_the_option()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            TestHost.StartAsync(events => events.Configure(options => options.MaxEnvelopeBytes = 10)));
        Assert.Contains("MaxEnvelopeBytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_retry_policy_without_attempts_is_refused_naming_the_listener()
    {
        var services = new ServiceCollection();
        var error = Assert.Throws<ArgumentException>(() =>
            services.AddEventing(events => events.AddListener<UnnamedListener>(listener => listener.Retry(0)).UseLocal()));
        Assert.Contains(nameof(UnnamedListener), error.Message, StringComparison.Ordinal);
    }
}
