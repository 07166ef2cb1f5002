using Eventing.Providers;

namespace Eventing.Tests;

public sealed class FailoverEndpointsTests
{
    private static readonly Uri Node1 = new("amqp://orders:s3cr3t@rabbit-1:5672/production");

    [Fact]
    public void In_order_every_round_starts_with_the_first_endpoint()
    {
        var endpoints = new FailoverEndpoints<int>([1, 2, 3], EndpointOrder.InOrder);

        for (var round = 0; round < 20; round++)
        {
            Assert.Equal([1, 2, 3], endpoints.NextRound());
        }
    }

    [Fact]
    public void Shuffled_rounds_hold_every_endpoint_once_and_start_on_each_of_them()
    {
        var endpoints = new FailoverEndpoints<int>([1, 2, 3], EndpointOrder.Shuffled);
        var firsts = new HashSet<int>();

        // 200 rounds: the chance that one of three endpoints never comes first is 3 × (2/3)^200, about 10^-35.
        for (var round = 0; round < 200; round++)
        {
            var order = endpoints.NextRound();
            Assert.Equal([1, 2, 3], order.Order());
            firsts.Add(order[0]);
        }

        Assert.Equal([1, 2, 3], firsts.Order());
        Assert.Equal([1, 2, 3], endpoints.All);
    }

    [Fact]
    public void The_uri_comes_first_and_an_endpoint_naming_the_same_node_again_is_dropped()
    {
        var all = EndpointList.Collect(Node1, [new Uri("amqp://rabbit-2:5672"), new Uri("amqp://RABBIT-1:5672"), new Uri("amqp://rabbit-3:5673")]);

        Assert.Equal(["rabbit-1:5672", "rabbit-2:5672", "rabbit-3:5673"], all.Select(uri => $"{uri.Host}:{uri.Port}"));
        Assert.Same(Node1, all[0]);
    }

    [Fact]
    public void Endpoints_with_host_and_port_or_the_same_credentials_and_virtual_host_are_valid()
    {
        var failures = new List<string>();

        EndpointList.Validate(failures, "RabbitMqProviderOptions", Node1,
            [new Uri("amqp://rabbit-2:5672"), new Uri("amqp://rabbit-3:5672/"), new Uri("amqp://orders:s3cr3t@rabbit-4:5672/production")], EndpointOrder.Shuffled, compareVirtualHost: true);

        Assert.Empty(failures);
    }

    [Theory]
    [InlineData("amqps://rabbit-2:5671", "uses scheme amqps")]
    [InlineData("amqp://other:s3cr3t@rabbit-2:5672", "other credentials")]
    [InlineData("amqp://rabbit-2:5672/staging", "another virtual host")]
    public void An_endpoint_that_disagrees_with_the_uri_is_an_error_naming_it_without_secrets(string endpoint, string expected)
    {
        var failures = new List<string>();

        EndpointList.Validate(failures, "RabbitMqProviderOptions", Node1, [new Uri("amqp://rabbit-9:5672"), new Uri(endpoint)], EndpointOrder.Shuffled, compareVirtualHost: true);

        var failure = Assert.Single(failures);
        Assert.Contains("RabbitMqProviderOptions.Endpoints[1]", failure, StringComparison.Ordinal);
        Assert.Contains(expected, failure, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void An_endpoint_without_scheme_is_an_error_that_does_not_show_it()
    {
        var failures = new List<string>();

        EndpointList.Validate(failures, "StompProviderOptions", new Uri("stomp://rabbit-1:61613"), [new Uri("guest:s3cr3t@rabbit-2:61613", UriKind.RelativeOrAbsolute)], EndpointOrder.InOrder, compareVirtualHost: false);

        var failure = Assert.Single(failures);
        Assert.Contains("StompProviderOptions.Endpoints[0]", failure, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void An_undefined_order_is_an_error_naming_the_option()
    {
        var failures = new List<string>();

        EndpointList.Validate(failures, "AmqpProviderOptions", Node1, [], (EndpointOrder)7, compareVirtualHost: false);

        Assert.Contains("AmqpProviderOptions.EndpointOrder", Assert.Single(failures), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_connection_round_moves_past_failing_endpoints_at_once_and_stops_at_a_refusal()
    {
        var endpoints = new FailoverEndpoints<int>([1, 2, 3], EndpointOrder.InOrder);
        var skipped = new List<int>();

        var connected = await endpoints.ConnectAsync((node, _) => node < 3 ? throw new IOException("down") : Task.FromResult(node), _ => false, (node, _) => skipped.Add(node), CancellationToken.None);

        Assert.Equal(3, connected);
        Assert.Equal([1, 2], skipped);
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() =>
            endpoints.ConnectAsync<int>((_, _) => throw new UnauthorizedAccessException(), e => e is UnauthorizedAccessException, (_, _) => Assert.Fail("a refusal ends the round"), CancellationToken.None));
    }
}
