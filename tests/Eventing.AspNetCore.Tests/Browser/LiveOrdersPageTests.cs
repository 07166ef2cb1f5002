using System.Text.RegularExpressions;
using Eventing.AspNetCore.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Eventing.AspNetCore.Tests.Browser;

/// <summary>
/// The sample page in headless Chromium: the sample runs as its own process on RabbitMQ, this test process places
/// orders through the broker as another service would, and the assertions read the page's DOM.
/// </summary>
public sealed class LiveOrdersPageTests : IAsyncLifetime
{
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];
    private SampleProcess _sample = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;
    private IHost _orders = null!;

    public async Task InitializeAsync()
    {
        _sample = await SampleProcess.StartAsync(TestStreams.RabbitMqUri);
        (_playwright, _browser) = await Chromium.LaunchAsync();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddEventing(events => events.UseRabbitMq(rabbit => rabbit.Uri = new Uri(TestStreams.RabbitMqUri)));
        _orders = builder.Build();
        await _orders.StartAsync();
        SetDefaultExpectTimeout((float)StreamClient.Timeout.TotalMilliseconds);
    }

    public async Task DisposeAsync()
    {
        await _orders.StopAsync();
        _orders.Dispose();
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _sample.DisposeAsync();
    }

    [Fact]
    public async Task Page_lists_orders_live_per_tenant_from_another_process_and_its_own_form_and_resumes_after_leaving_without_a_gap()
    {
        var acme = "acme-" + _run;
        var globex = "globex-" + _run;
        await using var annContext = await _browser.NewContextAsync();
        await using var bobContext = await _browser.NewContextAsync();
        var ann = await SignInAsync(annContext, "ann", acme);
        var bob = await SignInAsync(bobContext, "bob", globex);

        var a1 = await PlaceAsync(acme, "anvil");
        var a2 = await PlaceAsync(acme, "rocket");
        var b1 = await PlaceAsync(globex, "widget");
        await ExpectOrdersAsync(ann, a1, a2);
        await ExpectOrdersAsync(bob, b1);

        // The page's own form: POST /orders → SendAsync → RabbitMQ → the stream → back to this tenant's pages only.
        await ann.FillAsync("#place input[name=item]", "tea");
        await ann.ClickAsync("#place button");
        await Expect(ann.Locator("#orders li").First).ToContainTextAsync("tea");
        var b2 = await PlaceAsync(globex, "gear");
        await ExpectOrdersAsync(bob, b1, b2);
        await Expect(bob.Locator("#orders")).Not.ToContainTextAsync("tea");

        // Leave the page, miss an order, come back: the page resumes after the last event id it saw.
        var witness = await annContext.NewPageAsync();
        await witness.GotoAsync(_sample.BaseUri.ToString());
        await Expect(witness.Locator("#status")).ToHaveTextAsync(new Regex("^live"));
        await ann.GotoAsync("about:blank");
        var a3 = await PlaceAsync(acme, "magnet");
        await Expect(witness.Locator($"#orders li[data-order-id='{a3}']")).ToHaveCountAsync(1);
        await ann.GotoAsync(_sample.BaseUri.ToString());
        await Expect(ann.Locator($"#orders li[data-order-id='{a3}']")).ToHaveCountAsync(1);
        await Expect(ann.Locator("#orders li")).ToHaveCountAsync(4);
        await Expect(ann.Locator("#gap")).ToBeHiddenAsync();
        await Expect(ann.Locator("#orders")).Not.ToContainTextAsync("widget");
        await ann.ReloadAsync();
        await Expect(ann.Locator("#status")).ToHaveTextAsync("live (SSE)");
        await ExpectOrdersAsync(ann, a1, a2, a3, await OrderIdAsync(ann, "tea"));
        await Expect(ann.Locator("#gap")).ToBeHiddenAsync();
    }

    [Fact]
    public async Task Page_over_a_WebSocket_lists_the_orders_of_its_tenant_live()
    {
        var acme = "acme-" + _run;
        await using var context = await _browser.NewContextAsync();
        var page = await SignInAsync(context, "ann", acme);
        await page.GotoAsync(new Uri(_sample.BaseUri, "/?carrier=ws").ToString());
        await Expect(page.Locator("#status")).ToHaveTextAsync("live (WebSocket)");

        var other = await PlaceAsync("globex-" + _run, "widget");
        var mine = await PlaceAsync(acme, "anvil");

        await ExpectOrdersAsync(page, mine);
        await Expect(page.Locator($"#orders li[data-order-id='{other}']")).ToHaveCountAsync(0);
    }

    private async Task<IPage> SignInAsync(IBrowserContext context, string name, string tenant)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync(_sample.BaseUri.ToString());
        await page.FillAsync("#login input[name=name]", name);
        await page.FillAsync("#login input[name=tenant]", tenant);
        await page.ClickAsync("#login button");
        await Expect(page.Locator("#who")).ToHaveTextAsync($"{name} @ {tenant}");
        await Expect(page.Locator("#status")).ToHaveTextAsync("live (SSE)");
        return page;
    }

    private async Task<Guid> PlaceAsync(string tenant, string item)
    {
        var order = new PlacedOrder(Guid.NewGuid(), tenant, item, 1, "orders-service");
        await _orders.Services.GetRequiredService<IEventManager>().SendAsync(order);
        return order.OrderId;
    }

    private static async Task<Guid> OrderIdAsync(IPage page, string item) =>
        Guid.Parse((await page.Locator("#orders li", new() { HasText = item }).GetAttributeAsync("data-order-id"))!);

    private static async Task ExpectOrdersAsync(IPage page, params Guid[] orders)
    {
        foreach (var order in orders)
        {
            await Expect(page.Locator($"#orders li[data-order-id='{order}']")).ToHaveCountAsync(1);
        }

        await Expect(page.Locator("#orders li")).ToHaveCountAsync(orders.Length);
    }
}
