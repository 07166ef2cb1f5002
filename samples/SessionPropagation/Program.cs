// SessionPropagation: a header interceptor carries the user's session id from the code that sends an
// event to the listener that handles it, through an AsyncLocal on both sides.
using Eventing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SessionPropagation;

var builder = Host.CreateApplicationBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddSingleton<SessionAccessor>().AddSingleton<Done>();
builder.Services.AddEventing(events => events
    .AddPipeline<SessionPipeline>()
    .AddListener<AuditTrail>()
    .UseLocal());

using var host = builder.Build();
await host.StartAsync();

var sessions = host.Services.GetRequiredService<SessionAccessor>();
sessions.Current = "session-42";   // as a web request's authentication would
Console.WriteLine($"sender: updating the profile in {sessions.Current}");
await host.Services.GetRequiredService<IEventManager>().SendAsync(new ProfileUpdated("email", "ada@example.org"));
sessions.Current = null;

var seen = await host.Services.GetRequiredService<Done>().Session.WaitAsync(TimeSpan.FromSeconds(30));
await host.StopAsync();
return seen == "session-42" ? 0 : 1;
