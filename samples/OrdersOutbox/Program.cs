// An order and its OrderPlaced event are written to SQLite in one transaction; after commit the outbox sends the
// event and a listener receives it. Runs on the in-process provider: no broker needed.
//
//   dotnet run --project samples/OrdersOutbox                      place an order, wait for the listener, exit 0
//   dotnet run --project samples/OrdersOutbox -- flush [--ordered]  send whatever is pending once and exit
//                                                                  (what `eventing outbox flush` does from cron)
//   ORDERS_DB=/path/orders.db picks the database file (default: a new temp file).
using Eventing;
using Eventing.Outbox;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrdersOutbox;

var database = Environment.GetEnvironmentVariable("ORDERS_DB") ?? Path.Combine(Path.GetTempPath(), $"orders-{Guid.NewGuid():N}.db");
var connectionString = $"Data Source={database}";
var flush = args.Length > 0 && args[0] == "flush";

var builder = Host.CreateApplicationBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddSingleton<Deliveries>();
builder.Services.AddEventing(events => events
    .AddListener<OrderNotifier>()
    .AddOutbox(outbox => outbox
        .UseSqlite(connectionString)
        .Configure(options => options.RunRelay = !flush))
    .UseLocal());
using var host = builder.Build();

if (flush)
{
    // The flush entry point: no relay, no listeners needed; send what is pending and report.
    var flusher = host.Services.GetRequiredService<OutboxFlusher>();
    var result = await flusher.FlushAsync(ordered: args.Contains("--ordered"));
    Console.WriteLine($"Flushed {result.Sent} event(s) from {database}; {result.Failed} failed and stay pending.");
    return result.Failed == 0 ? 0 : 1;
}

await host.StartAsync();
await using (var connection = new SqliteConnection(connectionString))
{
    await connection.OpenAsync();
    await using (var create = connection.CreateCommand())
    {
        create.CommandText = "CREATE TABLE IF NOT EXISTS orders (id TEXT PRIMARY KEY, total REAL NOT NULL)";
        await create.ExecuteNonQueryAsync();
    }

    var order = new OrderPlaced(Guid.NewGuid(), 42.50m);
    var outbox = host.Services.GetRequiredService<IOutbox>();
    await using var transaction = await connection.BeginTransactionAsync();
    await using (var insert = connection.CreateCommand())
    {
        insert.Transaction = (SqliteTransaction)transaction;
        insert.CommandText = "INSERT INTO orders (id, total) VALUES ($id, $total)";
        insert.Parameters.AddWithValue("$id", order.OrderId.ToString());
        insert.Parameters.AddWithValue("$total", order.Total);
        await insert.ExecuteNonQueryAsync();
    }

    // The event row goes into the same transaction as the order: both are committed, or neither.
    await outbox.AddAsync(order, transaction);
    await outbox.CommitAsync(transaction);
    Console.WriteLine($"Order {order.OrderId} committed to {database}");
}

var received = await host.Services.GetRequiredService<Deliveries>().First.Task.WaitAsync(TimeSpan.FromSeconds(10));
Console.WriteLine($"Listener received order {received.OrderId} ({received.Total:0.00})");
await host.StopAsync();
if (Environment.GetEnvironmentVariable("ORDERS_DB") is null)
{
    SqliteConnection.ClearAllPools();
    File.Delete(database);
}

return 0;
