using Eventing.Providers;

namespace Eventing.Tests;

public sealed class BrokerEndpointTests
{
    [Theory]
    [InlineData("guest:s3cret-pass@127.0.0.1:5672/")]
    [InlineData("amqp:guest:s3cret-pass@127.0.0.1:5672/")]
    public void A_uri_without_scheme_and_host_never_shows_its_password(string text)
    {
        var described = BrokerEndpoint.Describe(new Uri(text, UriKind.RelativeOrAbsolute), userName: null, defaultPort: 5672, includePath: true);

        Assert.DoesNotContain("s3cret-pass", described, StringComparison.Ordinal);
        Assert.Equal(BrokerEndpoint.NotShown, described);
    }

    [Fact]
    public void A_full_uri_shows_user_host_and_port_but_masks_the_password()
    {
        var described = BrokerEndpoint.Describe(new Uri("amqp://guest:s3cret-pass@127.0.0.1/vhost"), userName: null, defaultPort: 5672, includePath: true);

        Assert.Equal("amqp://guest:***@127.0.0.1:5672/vhost", described);
    }
}
