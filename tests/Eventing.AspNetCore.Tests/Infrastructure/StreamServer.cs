using System.Net;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Eventing.AspNetCore.Tests.Infrastructure;

/// <summary>
/// A real web app on Kestrel, 127.0.0.1 and a free port, with the test authentication scheme, policy "staff" (signed
/// in with a tenant claim) and the event streams the test configures, each mapped to <c>/events/&lt;stream&gt;</c>.
/// </summary>
internal sealed class StreamServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private StreamServer(WebApplication app, Uri baseUri)
    {
        _app = app;
        BaseUri = baseUri;
    }

    public Uri BaseUri { get; }

    public IServiceProvider Services => _app.Services;

    public IEventManager Events => _app.Services.GetRequiredService<IEventManager>();

    /// <summary>Builds and starts the app. <paramref name="configure"/> adds streams and the provider.</summary>
    public static async Task<StreamServer> StartAsync(Action<EventingBuilder> configure, params string[] streams)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        if (Environment.GetEnvironmentVariable("EVENTING_TEST_LOGS") == "1")
        {
            // For debugging a test: the server's log on the console, Eventing at Debug.
            builder.Logging.AddSimpleConsole().AddFilter("Eventing", LogLevel.Debug).AddFilter("Microsoft.AspNetCore.WebSockets", LogLevel.Debug);
        }
        builder.Services.AddAuthentication(TestUsers.SchemeName).AddScheme<AuthenticationSchemeOptions, TestUsers>(TestUsers.SchemeName, null);
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(TestUsers.Policy, policy => policy.RequireAuthenticatedUser().RequireClaim("tenant"));
        builder.Services.AddEventing(configure);
        var app = builder.Build();
        app.UseWebSockets();
        app.UseAuthentication();
        app.UseAuthorization();
        foreach (var stream in streams)
        {
            app.MapEventStream(stream, "/events/" + stream).RequireAuthorization(TestUsers.Policy);
        }

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new StreamServer(app, new Uri(address));
    }

    public Uri Http(string pathAndQuery) => new(BaseUri, pathAndQuery);

    public Uri WebSocket(string pathAndQuery) => new UriBuilder(new Uri(BaseUri, pathAndQuery)) { Scheme = "ws" }.Uri;

    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
