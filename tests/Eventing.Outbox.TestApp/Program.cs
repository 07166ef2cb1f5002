// A small app for the crash test: `record DB TABLE` commits an event and stalls in the send (the test kills it with
// SIGKILL there); `relay DB TABLE` is the app restarted: its relay sends what was left, it prints what its listener
// received and exits once the row is gone.
using Eventing;
using Eventing.Outbox;
using Eventing.Providers;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

var (mode, path, table) = (args[0], args[1], args[2]);
var received = new CrashReceived();
var builder = Host.CreateApplicationBuilder();
builder.Logging.ClearProviders();
builder.Services.AddSingleton(received);
builder.Services.AddEventing(events =>
{
    events.AddEvent<Crashed>().AddOutbox(outbox => outbox
        .UseSqlite($"Data Source={path}")
        .Configure(o =>
        {
            o.TableName = table;
            o.GracePeriod = TimeSpan.Zero;
            o.PollInterval = TimeSpan.FromMilliseconds(50);
            o.RunRelay = mode == "relay";
        }));
    if (mode == "record")
    {
        events.UseProvider(_ => new StallingProvider());
    }
    else
    {
        // A listener of the app itself, subscribed at start: the relay sends what the killed run left only after it.
        events.AddListener<CrashListener>(listener => listener.Name("crash-test")).UseLocal();
    }
});
using var host = builder.Build();
await host.StartAsync();
if (mode == "record")
{
    var outbox = host.Services.GetRequiredService<IOutbox>();
    await using var connection = new SqliteConnection($"Data Source={path}");
    await connection.OpenAsync();
    await using var transaction = await connection.BeginTransactionAsync();
    var id = await outbox.AddAsync(new Crashed("kill -9"), transaction);
    Console.WriteLine($"RECORDED {id}");
    await outbox.CommitAsync(transaction);
    Console.WriteLine("SENT (the provider should have stalled)");
    return 3;
}

var messageId = await received.MessageId.Task.WaitAsync(TimeSpan.FromSeconds(30));
Console.WriteLine($"RECEIVED {messageId}");

// Stopping waits for the relay pass that sent the event, so its row is deleted before the process exits.
await host.StopAsync();
Console.WriteLine("STOPPED");
return 0;

[Event("outbox-tests.crashed")]
internal sealed record Crashed(string How);

internal sealed class CrashReceived
{
    public TaskCompletionSource<string> MessageId { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

internal sealed class CrashListener(CrashReceived received) : EventListener<Crashed>
{
    protected override void On(Crashed @event, EventContext context) => received.MessageId.TrySetResult(context.MessageId);
}

/// <summary>A provider whose send never completes: it says it started, then waits to be killed.</summary>
internal sealed class StallingProvider : IProvider
{
    public string Name => "stalling";

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async ValueTask SendAsync(Envelope envelope, EventDescriptor @event, CancellationToken cancellationToken)
    {
        Console.WriteLine($"SENDING {envelope.Id}");
        await Task.Delay(Timeout.Infinite, cancellationToken);
    }

    public Task<IProviderSubscription> SubscribeAsync(ListenerDescriptor listener, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public Task ProvisionAsync(ListenerDescriptor listener, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public ValueTask DeadLetterAsync(Envelope envelope, ListenerDescriptor listener, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask DisposeAsync() => default;
}
