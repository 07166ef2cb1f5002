using Eventing.AspNetCore.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace Eventing.AspNetCore.Tests.Streams;

public sealed class ConfigurationTests
{
    [Fact]
    public async Task Invalid_stream_options_fail_the_host_at_start_naming_the_option_and_the_stream()
    {
        var stream = TestStreams.NewName();

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => TestStreams.StartLocalAsync(stream, options =>
        {
            options.BufferCapacity = 0;
            options.SlowClientCloseStatus = System.Net.WebSockets.WebSocketCloseStatus.NormalClosure;
        }));

        Assert.Contains("EventStreamOptions.BufferCapacity", failure.Message, StringComparison.Ordinal);
        Assert.Contains("EventStreamOptions.SlowClientCloseStatus", failure.Message, StringComparison.Ordinal);
        Assert.Contains(stream, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_per_user_filter_that_cannot_judge_every_event_type_of_its_stream_is_refused_at_configuration()
    {
        var stream = TestStreams.NewName();

        var failure = await Assert.ThrowsAsync<EventRegistrationException>(() => StreamServer.StartAsync(events => events
            .AddEventStreams(streams => streams.Stream(stream, s => s
                .Include<TestOrder>()
                .Include<Untenanted>()
                .ForUser<ITenanted>((e, user) => true)))
            .UseLocal(), stream));

        Assert.Contains("Untenanted is not a ITenanted", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mapping_a_stream_that_was_never_defined_fails_at_startup_with_the_defined_names()
    {
        var defined = TestStreams.NewName();

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => StreamServer.StartAsync(events => events
            .AddEventStreams(streams => streams.Stream(defined, s => s.Include<TestOrder>()))
            .UseLocal(), "nope"));

        Assert.Contains("There is no event stream \"nope\"", failure.Message, StringComparison.Ordinal);
        Assert.Contains(defined, failure.Message, StringComparison.Ordinal);
    }
}
