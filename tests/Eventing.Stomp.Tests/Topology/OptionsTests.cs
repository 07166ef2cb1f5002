using Eventing.Stomp.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Eventing.Stomp.Tests.Topology;

public class OptionsTests
{
    [Fact]
    public void Defaults_are_valid()
    {
        Assert.Empty(StompProviderOptionsValidator.Check(new StompProviderOptions()));
    }

    [Fact]
    public void Quorum_queues_with_an_activemq_topology_are_refused_naming_both_options()
    {
        var text = string.Join("\n", StompProviderOptionsValidator.Check(new StompProviderOptions { QueueType = StompQueueType.Quorum, Topology = StompTopologyKind.ActiveMq }));

        Assert.Contains("StompProviderOptions.QueueType", text, StringComparison.Ordinal);
        Assert.Contains("StompProviderOptions.Topology", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Cluster_endpoints_with_other_credentials_are_refused_without_showing_them()
    {
        var options = new StompProviderOptions { Uri = new Uri("stomp://guest:guest@rabbit-1:61613") };
        options.Endpoints.Add(new Uri("stomp://rabbit-2:61613"));
        options.Endpoints.Add(new Uri("stomp://admin:t0p-secret@rabbit-3:61613"));

        var text = string.Join("\n", StompProviderOptionsValidator.Check(options));

        Assert.Contains("StompProviderOptions.Endpoints[1]", text, StringComparison.Ordinal);
        Assert.DoesNotContain("StompProviderOptions.Endpoints[0]", text, StringComparison.Ordinal);
        Assert.DoesNotContain("t0p-secret", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_options_are_named_with_the_allowed_values()
    {
        var failures = StompProviderOptionsValidator.Check(new StompProviderOptions
        {
            Uri = new Uri("amqp://u:secret@h:1"),
            SendTimeout = TimeSpan.Zero,
            Prefetch = 0,
            MaxFrameBytes = 10,
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(1),
        });
        var text = string.Join("\n", failures);
        Assert.Contains("StompProviderOptions.Uri", text, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", text, StringComparison.Ordinal);
        Assert.Contains("StompProviderOptions.SendTimeout", text, StringComparison.Ordinal);
        Assert.Contains("StompProviderOptions.Prefetch", text, StringComparison.Ordinal);
        Assert.Contains("StompProviderOptions.MaxFrameBytes", text, StringComparison.Ordinal);
        Assert.Contains("StompProviderOptions.ReconnectMaxDelay", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UseStomp_validates_options_when_the_host_starts()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddEventing(events => events.UseStomp(stomp => stomp.HeartBeat = TimeSpan.FromSeconds(-1)));
        using var host = builder.Build();
        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("StompProviderOptions.HeartBeat", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("stomp://admin:admin@127.0.0.1:61613", "127.0.0.1", 61613, false, "admin", "admin", "/")]
    [InlineData("stomp+ssl://u%40x:p%3Aw@broker:61612/prod", "broker", 61612, true, "u@x", "p:w", "prod")]
    [InlineData("stomp://host/%2F", "host", 61613, false, null, null, "/")]
    public void The_uri_gives_endpoint_credentials_and_virtual_host(string uri, string host, int port, bool tls, string? login, string? passcode, string vhost)
    {
        var endpoint = new StompEndpoint(StompClientSettings.From(new StompProviderOptions { Uri = new Uri(uri) }));
        Assert.Equal(host, endpoint.HostName);
        Assert.Equal(port, endpoint.Port);
        Assert.Equal(tls, endpoint.UseTls);
        Assert.Equal(login, endpoint.Login);
        Assert.Equal(passcode, endpoint.Passcode);
        Assert.Equal(vhost, endpoint.VirtualHost);
        if (passcode is not null)
        {
            Assert.DoesNotContain(":" + uri.Split('@')[0].Split(':')[^1] + "@", endpoint.Display, StringComparison.Ordinal);
            Assert.Contains(":***@", endpoint.Display, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("admin:s3cr3t-pw@127.0.0.1:61613")]
    [InlineData("stomp:admin:s3cr3t-pw@127.0.0.1:61613")]
    [InlineData("admin:s3cr3t-pw@broker")]
    public void A_uri_without_scheme_slashes_is_refused_without_showing_its_password(string text)
    {
        var uri = new Uri(text, UriKind.RelativeOrAbsolute);
        var failures = string.Join("\n", StompProviderOptionsValidator.Check(new StompProviderOptions { Uri = uri }));
        Assert.Contains("StompProviderOptions.Uri", failures, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t-pw", failures, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("stomp://admin:pw%0Aevil%3Aheader@127.0.0.1:61613", "password")]
    [InlineData("stomp://admin:pw%0D%0Ax@127.0.0.1:61613", "password")]
    [InlineData("stomp://ad%00min:pw@127.0.0.1:61613", "user name")]
    [InlineData("stomp://admin:pw@127.0.0.1:61613/vh%0Alogin%3Aroot", "virtual host")]
    public void Control_characters_in_the_connect_credentials_are_refused_without_showing_them(string text, string part)
    {
        var failures = string.Join("\n", StompProviderOptionsValidator.Check(new StompProviderOptions { Uri = new Uri(text) }));
        Assert.Contains(part, failures, StringComparison.Ordinal);
        Assert.Contains("StompProviderOptions.Uri", failures, StringComparison.Ordinal);
        Assert.DoesNotContain("evil", failures, StringComparison.Ordinal);
        Assert.DoesNotContain("pw", failures, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new StompProvider(new StompProviderOptions { Uri = new Uri(text) }));
    }

    [Fact]
    public void A_control_character_in_the_host_option_is_refused()
    {
        var failures = StompProviderOptionsValidator.Check(new StompProviderOptions { Host = "/\nlogin:root" });
        Assert.Contains(failures, failure => failure.StartsWith("StompProviderOptions.Host contains the control character U+000A", StringComparison.Ordinal));
    }

    [Fact]
    public void The_connect_frame_never_writes_an_unescaped_line_feed()
    {
        using var frame = new Eventing.Stomp.Client.Protocol.FrameBuffer();
        Assert.Throws<ArgumentException>(() => Eventing.Stomp.Client.Protocol.StompFrameEncoder.WriteHeader(frame, "passcode", "x\nlogin:root", escape: false));
    }

    [Fact]
    public async Task A_frame_limit_below_the_envelope_limit_fails_start_naming_both_options()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddEventing(events => events
            .Configure(o => o.MaxEnvelopeBytes = 32 * 1024 * 1024)
            .UseStomp(stomp => stomp.MaxFrameBytes = 16 * 1024 * 1024));
        using var host = builder.Build();
        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("StompProviderOptions.MaxFrameBytes is 16777216", exception.Message, StringComparison.Ordinal);
        Assert.Contains("EventingOptions.MaxEnvelopeBytes (33554432)", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_frame_limit_fits_the_default_envelope_limit()
    {
        Assert.Empty(StompProviderOptionsValidator.Check(new StompProviderOptions(), new EventingOptions().MaxEnvelopeBytes));
    }
}
