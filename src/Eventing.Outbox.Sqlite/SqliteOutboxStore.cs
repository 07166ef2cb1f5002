using System.Data.Common;
using System.Globalization;
using System.Text;
using Eventing.Outbox.Storage;
using Eventing.Persistence.Sqlite;
using Microsoft.Data.Sqlite;

namespace Eventing.Outbox.Sqlite;

/// <summary>
/// The outbox table in a SQLite file. SQLite has one writer at a time, so row sequence is commit order; it has no
/// row locks, so run a single relay per file (several would send the same rows).
/// </summary>
internal sealed class SqliteOutboxStore : IOutboxStore
{

    private readonly SqliteDatabase _database;
    private readonly string _tableName;
    private readonly string _insertSql;
    private readonly string _deleteSql;
    private readonly string _leaseSql;
    private readonly string _leaseOrderedSql;
    private readonly string _backlogSql;

    public SqliteOutboxStore(SqliteDatabase database, string tableName)
    {
        _database = database;
        _tableName = tableName;
        var table = SqliteDatabase.Quote(tableName);
        Name = $"sqlite {database.DataSource} table {tableName}";
        _insertSql = $"INSERT INTO {table} ({OutboxRecords.InsertColumns}) " +
            "VALUES ($id, $event, $key, $durable, $created, $source, $time, $type, $headers, $body) RETURNING seq;";

        // json_each turns one text parameter into the id list: one statement per batch, no per-id parameters.
        _deleteSql = $"DELETE FROM {table} WHERE seq IN (SELECT value FROM json_each($ids));";

        // Unordered: the created_at index gives the oldest rows past the grace period without touching younger ones.
        _leaseSql = $"SELECT {OutboxRecords.SelectColumns} FROM {table} WHERE created_at <= $cutoff ORDER BY created_at LIMIT $limit;";

        // Ordered: the primary key walk gives commit order.
        _leaseOrderedSql = $"SELECT {OutboxRecords.SelectColumns} FROM {table} ORDER BY seq LIMIT $limit;";

        // Both aggregates are answered from the created_at index (a covering scan for the count, one seek for min)
        // without reading a row's body.
        _backlogSql = $"SELECT count(*), min(created_at) FROM {table};";
    }

    public string Name { get; }

    internal IReadOnlyList<string> SchemaSteps
    {
        get
        {
            var table = SqliteDatabase.Quote(_tableName);
            var dot = _tableName.IndexOf('.', StringComparison.Ordinal);
            var schema = dot < 0 ? "" : $"\"{_tableName[..dot]}\".";
            var bare = dot < 0 ? _tableName : _tableName[(dot + 1)..];
            return
            [
                $"""
                CREATE TABLE IF NOT EXISTS {table} (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    message_id TEXT NOT NULL,
                    event TEXT NOT NULL,
                    ordering_key TEXT NULL,
                    durable INTEGER NOT NULL,
                    created_at INTEGER NOT NULL,
                    source TEXT NOT NULL,
                    time TEXT NOT NULL,
                    content_type TEXT NOT NULL,
                    headers TEXT NOT NULL,
                    body BLOB NOT NULL);
                CREATE INDEX IF NOT EXISTS {schema}"ix_{bare}_created_at" ON "{bare}" (created_at);
                """,
            ];
        }
    }

    public Task EnsureSchemaAsync(CancellationToken cancellationToken) =>
        _database.MigrateAsync("outbox:" + _tableName, SchemaSteps, cancellationToken);

    public async ValueTask<long> InsertAsync(DbTransaction transaction, OutboxRecord record, CancellationToken cancellationToken)
    {
        if (transaction is not SqliteTransaction sqlite || sqlite.Connection is null)
        {
            throw new ArgumentException(
                $"The outbox stores events in SQLite ({Name}) but was given a {transaction.GetType().Name}. Pass an open SqliteTransaction on the database of the outbox, or configure the outbox with the store of your database.",
                nameof(transaction));
        }

        using var command = sqlite.Connection.CreateCommand();
        command.Transaction = sqlite;
        command.CommandText = _insertSql;
        var parameters = command.Parameters;
        parameters.AddWithValue("$id", record.MessageId);
        parameters.AddWithValue("$event", record.EventName);
        parameters.AddWithValue("$key", (object?)record.OrderingKey ?? DBNull.Value);
        parameters.AddWithValue("$durable", record.Durable ? 1 : 0);
        parameters.AddWithValue("$created", record.CreatedAt);
        parameters.AddWithValue("$source", record.Source);
        parameters.AddWithValue("$time", record.Time);
        parameters.AddWithValue("$type", record.ContentType);
        parameters.AddWithValue("$headers", record.Headers);
        parameters.AddWithValue("$body", record.Body);
        record.Sequence = (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;

        // Microsoft.Data.Sqlite creates a new SqliteTransaction for every transaction: the object is the identity.
        return 0;
    }

    // No row locks in SQLite and the transaction object is never reused, so the committed rows are taken as they
    // are; the relay of this process skips them while they are in flight, and relays elsewhere wait the grace period.
    public Task<IOutboxLease> ClaimAsync(IReadOnlyList<OutboxRecord> records, CancellationToken cancellationToken) =>
        Task.FromResult<IOutboxLease>(new Lease(this, records));

    public async Task DeleteAsync(IReadOnlyList<long> sequences, CancellationToken cancellationToken)
    {
        if (sequences.Count == 0)
        {
            return;
        }

        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var command = connection.CreateCommand();
            command.CommandText = _deleteSql;
            command.Parameters.AddWithValue("$ids", ToJson(sequences));
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<IOutboxLease> LeaseAsync(OutboxLeaseRequest request, CancellationToken cancellationToken)
    {
        var records = new List<OutboxRecord>();
        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var command = connection.CreateCommand();
            command.CommandText = request.Ordered ? _leaseOrderedSql : _leaseSql;
            command.Parameters.AddWithValue("$cutoff", request.CreatedBefore);
            command.Parameters.AddWithValue("$limit", request.BatchSize);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    records.Add(OutboxRecords.Read(reader));
                }
            }
        }

        // No lease to hold: a single relay per file is the rule, and holding a read open would only delay writers.
        return new Lease(this, records);
    }

    public async Task<OutboxBacklog> GetBacklogAsync(CancellationToken cancellationToken)
    {
        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var command = connection.CreateCommand();
            command.CommandText = _backlogSql;
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                return new OutboxBacklog(reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetInt64(1));
            }
        }
    }

    private static string ToJson(IReadOnlyList<long> sequences)
    {
        var builder = new StringBuilder(sequences.Count * 8).Append('[');
        for (var i = 0; i < sequences.Count; i++)
        {
            if (i > 0)
            {
                builder.Append(',');
            }

            builder.Append(sequences[i].ToString(CultureInfo.InvariantCulture));
        }

        return builder.Append(']').ToString();
    }

    private sealed class Lease(SqliteOutboxStore store, IReadOnlyList<OutboxRecord> records) : IOutboxLease
    {
        public IReadOnlyList<OutboxRecord> Records => records;

        public Task CompleteAsync(IReadOnlyList<long> sent, CancellationToken cancellationToken) => store.DeleteAsync(sent, cancellationToken);

        public ValueTask DisposeAsync() => default;
    }
}
