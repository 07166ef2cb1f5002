using Eventing.Outbox;
using Microsoft.AspNetCore.Http;
using Npgsql;

namespace Eventing.AspNetCore.Idempotency.Tests;

[Event("aspnet-idempotency-tests.order-placed", Durable = true)]
public sealed record OrderPlaced(long OrderId, string Token);

/// <summary>
/// The handler of the end-to-end tests, written as the README recommends: the order row is keyed by the idempotency
/// key and written with its outbox event in one transaction, so a rerun (after a crash between commit and the stored
/// response) finds the order instead of placing it twice, and records no second event.
/// </summary>
public sealed class Orders(string connectionString, string table)
{
    private int _events;
    private Task? _hangAfterCommit;

    public int EventsRecorded => Volatile.Read(ref _events);

    /// <summary>Completes when an order was committed (the first time).</summary>
    public TaskCompletionSource Committed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The next request that commits an order stops after its commit until <paramref name="resume"/> completes: a process that died there.</summary>
    public void HangNextCommitUntil(Task resume) => Volatile.Write(ref _hangAfterCommit, resume);

    public async Task CreateTableAsync()
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE TABLE {table}_orders (id bigserial PRIMARY KEY, idempotency_key text UNIQUE NOT NULL, token text NOT NULL)", connection);
        await command.ExecuteNonQueryAsync();
    }

    public async Task<long> CountAsync()
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM {table}_orders", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public async Task<IResult> PlaceAsync(HttpContext http, IOutbox outbox, string token)
    {
        var key = http.GetIdempotencyKey() ?? throw new InvalidOperationException("The endpoint requires a key.");
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(http.RequestAborted);
        await using var transaction = await connection.BeginTransactionAsync(http.RequestAborted);
        await using var insert = new NpgsqlCommand($"INSERT INTO {table}_orders (idempotency_key, token) VALUES ($1, $2) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id", connection, transaction);
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = token });
        if (await insert.ExecuteScalarAsync(http.RequestAborted) is long id)
        {
            await outbox.AddAsync(new OrderPlaced(id, token), transaction, http.RequestAborted);
            Interlocked.Increment(ref _events);
            await outbox.CommitAsync(transaction, http.RequestAborted);

            // Taken before the signal: once a test hears of the commit it goes on, and this request must already
            // know whether it is the one that "dies" here.
            var hang = Interlocked.Exchange(ref _hangAfterCommit, null);
            Committed.TrySetResult();
            if (hang is not null)
            {
                await hang;
            }
        }
        else
        {
            // Placed before by this key (its answer was never stored): answer with what exists, add nothing.
            await using var select = new NpgsqlCommand($"SELECT id FROM {table}_orders WHERE idempotency_key = $1", connection, transaction);
            select.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
            id = (long)(await select.ExecuteScalarAsync(http.RequestAborted))!;
        }

        return Results.Created($"/orders/{id}", new { id, token });
    }
}
