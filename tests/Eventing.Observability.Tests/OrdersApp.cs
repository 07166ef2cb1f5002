using Eventing.Outbox;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Eventing.Observability.Tests;

/// <summary>
/// The orders service: Kestrel on a free loopback port. <c>POST /orders</c> writes the order and records
/// <see cref="OrderPlaced"/> in one SQLite transaction through the outbox, which sends it over RabbitMQ.
/// </summary>
internal sealed class OrdersApp : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _directory;

    private OrdersApp(WebApplication app, string directory)
    {
        _app = app;
        _directory = directory;
        Address = new Uri(app.Urls.First());
    }

    public Uri Address { get; }

    public static async Task<OrdersApp> StartAsync(Uri rabbitMq, string placed, string run)
    {
        var directory = Directory.CreateTempSubdirectory("eventing-observability-").FullName;
        var database = $"Data Source={Path.Combine(directory, "orders.db")}";
        await CreateOrdersTableAsync(database);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddEventing(events => events
            .AddEvent<OrderPlaced>(placed)
            .AddOutbox(outbox => outbox.UseSqlite(database).Configure(o => o.PollInterval = TimeSpan.FromMilliseconds(50)))
            .UseRabbitMq(rabbit => rabbit.Uri = rabbitMq));

        var app = builder.Build();
        app.MapPost("/orders/{id:int}", async (int id, IOutbox outbox, CancellationToken cancellationToken) =>
        {
            await using var connection = new SqliteConnection(database);
            await connection.OpenAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (var insert = connection.CreateCommand())
            {
                insert.Transaction = (SqliteTransaction)transaction;
                insert.CommandText = "INSERT INTO orders (id, run) VALUES ($id, $run)";
                insert.Parameters.AddWithValue("$id", id);
                insert.Parameters.AddWithValue("$run", run);
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }

            await outbox.AddAsync(new OrderPlaced(run, id), transaction, cancellationToken);
            await outbox.CommitAsync(transaction, cancellationToken);
            return Results.Accepted($"/orders/{id}");
        });

        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return new OrdersApp(app, directory);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private static async Task CreateOrdersTableAsync(string database)
    {
        await using var connection = new SqliteConnection(database);
        await connection.OpenAsync();
        await using var create = connection.CreateCommand();
        create.CommandText = "CREATE TABLE orders (id INTEGER PRIMARY KEY, run TEXT NOT NULL)";
        await create.ExecuteNonQueryAsync();
    }
}
