using Eventing.Hosting;
using Eventing.Local;
using Eventing.Providers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Eventing.Tests;

/// <summary>How a provider's options are registered and checked: <c>UseProvider&lt;TOptions, TValidator&gt;</c> and the shared wording.</summary>
public sealed class ProviderOptionsTests
{
    [Fact]
    public void Each_check_names_the_option_its_value_and_what_it_must_be()
    {
        var failures = new OptionFailures("DemoOptions");
        failures.Positive("SendTimeout", TimeSpan.Zero);
        failures.Positive("ConnectTimeout", TimeSpan.FromSeconds(1));
        failures.NotShorter("MaxDelay", TimeSpan.FromSeconds(1), "MinDelay", TimeSpan.FromSeconds(2));
        failures.Between("Credit", 0, 1, 10_000);
        failures.Between("Prefetch", 70_000, 1, 65_535, ", or null (automatic)");
        failures.Defined("Order", (EndpointOrder)42);

        Assert.Equal(
            [
                "DemoOptions.SendTimeout is 00:00:00; it must be positive.",
                "DemoOptions.MaxDelay is 00:00:01; it must not be shorter than MinDelay (00:00:02).",
                "DemoOptions.Credit is 0; it must be between 1 and 10000.",
                "DemoOptions.Prefetch is 70000; it must be between 1 and 65535, or null (automatic).",
                "DemoOptions.Order is 42; it must be one of Shuffled, InOrder.",
            ],
            failures.All);
        Assert.False(failures.Result().Succeeded);
        Assert.True(new OptionFailures("DemoOptions").Result().Succeeded);
    }

    [Theory]
    [InlineData("guest:s3cr3t@rabbit:5672")]
    [InlineData("http://guest:s3cr3t@rabbit:5672")]
    [InlineData("amqp:///no-host")]
    public void A_broker_uri_that_is_not_accepted_is_never_echoed(string uri)
    {
        var failures = new OptionFailures("DemoOptions");

        Assert.False(failures.AbsoluteUri("Uri", new Uri(uri, UriKind.RelativeOrAbsolute), "amqp://guest:guest@127.0.0.1:5672", "amqp", "amqps"));

        var failure = Assert.Single(failures.All);
        Assert.StartsWith("DemoOptions.Uri is not an absolute amqp:// or amqps:// URI", failure, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", failure, StringComparison.Ordinal);
        Assert.DoesNotContain("rabbit", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void An_accepted_broker_uri_adds_nothing()
    {
        var failures = new OptionFailures("DemoOptions");
        Assert.True(failures.AbsoluteUri("Uri", new Uri("amqps://guest:s3cr3t@rabbit:5671"), "amqp://127.0.0.1", "amqp", "amqps"));
        Assert.False(failures.AbsoluteUri("Uri", null, "amqp://127.0.0.1", "amqp"));
        Assert.Equal(["DemoOptions.Uri is null; it must be an absolute amqp:// URI, e.g. amqp://127.0.0.1."], failures.All);
    }

    [Fact]
    public async Task A_provider_with_options_is_configured_and_validated_when_the_host_starts()
    {
        DemoOptions? seen = null;
        await using (var valid = Build(options => options.Interval = TimeSpan.FromSeconds(3), options => seen = options))
        {
            await StartAsync(valid);
            Assert.Equal(TimeSpan.FromSeconds(3), seen?.Interval);
            await StopAsync(valid);
        }

        await using var invalid = Build(options => options.Interval = TimeSpan.Zero, options => seen = options);
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(invalid));
        Assert.Contains("DemoOptions.Interval is 00:00:00; it must be positive.", error.Message, StringComparison.Ordinal);
    }

    private static ServiceProvider Build(Action<DemoOptions> configure, Action<DemoOptions> created)
    {
        var services = new ServiceCollection();
        services.AddEventing(events => events.UseProvider<DemoOptions, DemoOptionsValidator>(configure, (options, loggers, _) =>
        {
            Assert.NotNull(loggers);
            created(options);
            return new LocalProvider(new LocalBroker());
        }));
        return services.BuildServiceProvider(validateScopes: true);
    }

    private static async Task StartAsync(IServiceProvider services)
    {
        foreach (var hosted in services.GetServices<IHostedService>())
        {
            await hosted.StartAsync(CancellationToken.None);
        }
    }

    private static async Task StopAsync(IServiceProvider services)
    {
        foreach (var hosted in services.GetServices<IHostedService>().Reverse())
        {
            await hosted.StopAsync(CancellationToken.None);
        }
    }

    public sealed class DemoOptions
    {
        public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);
    }

    private sealed class DemoOptionsValidator : IValidateOptions<DemoOptions>
    {
        public ValidateOptionsResult Validate(string? name, DemoOptions options)
        {
            var failures = new OptionFailures(nameof(DemoOptions));
            failures.Positive(nameof(options.Interval), options.Interval);
            return failures.Result();
        }
    }
}
