using Eventing.Conformance;
using Eventing.RabbitMq.Hosting;
using Eventing.RabbitMq.Tests.Conformance;
using Microsoft.Extensions.Options;

namespace Eventing.RabbitMq.Tests.Options;

/// <summary>What a user sees when the options or the broker are wrong: the option named, no secret, no dev-only hint.</summary>
public sealed class OptionsValidationTests
{
    private const string Secret = "s3cr3t-Pa55";

    [Theory]
    [InlineData("guest:" + Secret + "@rabbit.internal:5672")]
    [InlineData("guest:" + Secret + "@rabbit.internal")]
    [InlineData("http://guest:" + Secret + "@rabbit.internal:5672/")]
    public void A_uri_that_is_not_amqp_fails_validation_without_showing_its_password(string uri)
    {
        var options = new RabbitMqProviderOptions { Uri = new Uri(uri, UriKind.RelativeOrAbsolute) };

        var result = new RabbitMqProviderOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        var message = string.Join(" ", result.Failures!);
        Assert.Contains("RabbitMqProviderOptions.Uri", message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_broker_fails_start_with_advice_for_the_users_own_broker()
    {
        var exception = await Assert.ThrowsAsync<BrokerUnreachableException>(async () =>
        {
            await using var host = await TestHost.StartAsync(new ClassicRabbitMqTarget(), new ProviderSettings { Connection = ConnectionMode.Unreachable, ConnectTimeout = TimeSpan.FromSeconds(2) });
        });

        Assert.DoesNotContain("eng/", exception.Message, StringComparison.Ordinal);
        Assert.Contains("RabbitMqProviderOptions.Uri", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_heartbeat_below_one_second_fails_validation_naming_the_option()
    {
        var result = new RabbitMqProviderOptionsValidator().Validate(null, new RabbitMqProviderOptions { Heartbeat = TimeSpan.FromMilliseconds(500) });

        Assert.Contains(result.Failures!, failure => failure.Contains("RabbitMqProviderOptions.Heartbeat", StringComparison.Ordinal));
    }

    [Fact]
    public void A_max_envelope_size_above_the_clients_inbound_limit_fails_validation_naming_both_options()
    {
        var validator = new RabbitMqProviderOptionsValidator(Microsoft.Extensions.Options.Options.Create(new EventingOptions { MaxEnvelopeBytes = 200 * 1024 * 1024 }));

        var result = validator.Validate(null, new RabbitMqProviderOptions());

        Assert.True(result.Failed);
        Assert.Contains("EventingOptions.MaxEnvelopeBytes", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("RabbitMqProviderOptions.MaxInboundMessageBytes", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_limits_pass_validation_together()
    {
        var validator = new RabbitMqProviderOptionsValidator(Microsoft.Extensions.Options.Options.Create(new EventingOptions()));

        Assert.True(validator.Validate(null, new RabbitMqProviderOptions()).Succeeded);
    }
}
