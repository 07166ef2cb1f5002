using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Eventing.AspNetCore.Idempotency.Tests;

/// <summary>A real Kestrel app on 127.0.0.1 with a random port and a real HttpClient to it; one app process of a test.</summary>
public sealed class TestApp : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestApp(WebApplication app, Uri address)
    {
        _app = app;
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
    }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<TestApp> StartAsync(Action<WebApplicationBuilder> services, Action<WebApplication> endpoints)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        services(builder);
        var app = builder.Build();
        endpoints(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new TestApp(app, new Uri(address));
    }

    /// <summary>An app with HTTP idempotency on <paramref name="store"/>.</summary>
    public static Task<TestApp> StartAsync(TestStore store, Action<WebApplication> endpoints, Action<HttpIdempotencyOptions>? options = null, Action<WebApplicationBuilder>? services = null) =>
        StartAsync(
            builder =>
            {
                services?.Invoke(builder);
                builder.Services.AddHttpIdempotency(idempotency =>
                {
                    store.Use(idempotency);
                    if (options is not null)
                    {
                        idempotency.Configure(options);
                    }
                });
            },
            endpoints);

    public static HttpRequestMessage Post(string path, string? key, string body = "{}")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, MediaTypeHeaderValue.Parse("application/json")) };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        return request;
    }

    public async Task<Answer> SendAsync(HttpRequestMessage request)
    {
        using (request)
        {
            using var response = await Client.SendAsync(request);
            return await Answer.ReadAsync(response);
        }
    }

    public Task<Answer> PostAsync(string path, string? key, string body = "{}") => SendAsync(Post(path, key, body));

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
