// A page that lists orders live as they are placed. Orders placed by the page's form, or by any process that sends
// "liveorders.placed" to the same broker, reach every open page of the order's tenant over Server-Sent Events
// (or a WebSocket: open /?carrier=ws).
//
//   dotnet run --project samples/LiveOrders                  in-process provider, http://localhost:5000
//   EVENTING_RABBITMQ_URI=amqp://guest:guest@127.0.0.1:5672/ dotnet run --project samples/LiveOrders
//                                                           through RabbitMQ: run it twice (--urls) and both pages update
using System.Security.Claims;
using Eventing;
using LiveOrders;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

var builder = WebApplication.CreateBuilder(args);
var rabbitMq = builder.Configuration["EVENTING_RABBITMQ_URI"];
builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
    .AddCookie(cookie => cookie.Events.OnRedirectToLogin = context =>
    {
        // An API and a stream answer 401, not a redirect to a login page.
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        return Task.CompletedTask;
    });
builder.Services.AddAuthorizationBuilder()
    .AddPolicy("staff", policy => policy.RequireAuthenticatedUser().RequireClaim("tenant"));
builder.Services.AddEventing(events =>
{
    events.AddEventStreams(streams => streams
        .Stream("orders", stream => stream
            .Include<OrderPlaced>()
            .ForUser<ITenantEvent>((e, user) => e.TenantId == user.FindFirst("tenant")?.Value)));
    if (string.IsNullOrEmpty(rabbitMq))
    {
        events.UseLocal();
    }
    else
    {
        events.UseRabbitMq(rabbit => rabbit.Uri = new Uri(rabbitMq));
    }
});

var app = builder.Build();
app.UseDefaultFiles();
app.UseStaticFiles();
app.UseWebSockets();
app.UseAuthentication();
app.UseAuthorization();

// Sign-in for the demo: any name and tenant (a real app signs in against its identity provider).
app.MapPost("/login", async (HttpContext context) =>
{
    var form = await context.Request.ReadFormAsync();
    var name = form["name"].ToString();
    var tenant = form["tenant"].ToString();
    if (name.Length == 0 || tenant.Length == 0)
    {
        return Results.BadRequest("name and tenant are required");
    }

    var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, name), new Claim("tenant", tenant)], CookieAuthenticationDefaults.AuthenticationScheme);
    await context.SignInAsync(new ClaimsPrincipal(identity));
    return Results.Redirect("/");
}).DisableAntiforgery();

app.MapGet("/me", (ClaimsPrincipal user) => new { name = user.Identity!.Name, tenant = user.FindFirst("tenant")!.Value })
    .RequireAuthorization("staff");

app.MapPost("/orders", async (HttpContext context, IEventManager events, CancellationToken cancellationToken) =>
{
    var form = await context.Request.ReadFormAsync(cancellationToken);
    var item = form["item"].ToString();
    if (item.Length == 0 || !int.TryParse(form["quantity"], out var quantity) || quantity < 1)
    {
        return Results.BadRequest("item and a positive quantity are required");
    }

    var order = new OrderPlaced(Guid.NewGuid(), context.User.FindFirst("tenant")!.Value, item, quantity, context.User.Identity!.Name!);
    await events.SendAsync(order, cancellationToken: cancellationToken);
    return Results.Accepted(value: new { orderId = order.OrderId });
}).RequireAuthorization("staff").DisableAntiforgery();

app.MapEventStream("orders", "/events/orders").RequireAuthorization("staff");

app.Run();
