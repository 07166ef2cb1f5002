using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Eventing.AspNetCore.Idempotency.Tests;

/// <summary>Options are validated when the app starts, and the message names the option.</summary>
public sealed class OptionsTests
{
    [Fact]
    public async Task Invalid_options_stop_the_app_at_start_naming_each_option()
    {
        await using var store = await TestStore.CreateAsync("sqlite");
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => TestApp.StartAsync(
            store,
            web => web.MapPost("/orders", () => "ok").WithIdempotency(),
            options =>
            {
                options.HeaderName = "Idempotency Key";
                options.ClaimLease = TimeSpan.Zero;
            }));

        Assert.Contains("HttpIdempotencyOptions.HeaderName", failure.Message, StringComparison.Ordinal);
        Assert.Contains("HttpIdempotencyOptions.ClaimLease", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddHttpIdempotency_without_a_store_says_which_calls_choose_one()
    {
        var services = new ServiceCollection();
        var failure = Assert.Throws<InvalidOperationException>(() => services.AddHttpIdempotency(_ => { }));
        Assert.Contains("UseRedis", failure.Message, StringComparison.Ordinal);
    }
}
