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
    private readonly string _leaseDueSql;
    private readonly string _leaseOrderedSql;
    private readonly string _backlogSql;
    private readonly string _nextDueSql;
    private readonly string _cancelSql;

    public SqliteOutboxStore(SqliteDatabase database, string tableName)
    {
        _database = database;
        _tableName = tableName;
        var table = SqliteDatabase.Quote(tableName);
        Name = $"sqlite {database.DataSource} table {tableName}";
        _insertSql = $"INSERT INTO {table} ({OutboxRecords.InsertColumns}) " +
            "VALUES ($id, $event, $key, $durable, $created, $source, $time, $type, $headers, $body, $due) RETURNING seq;";

        // json_each turns one text parameter into the id list: one statement per batch, no per-id parameters.
        _deleteSql = $"DELETE FROM {table} WHERE seq IN (SELECT value FROM json_each($ids));";

        // Unordered: the partial index of unscheduled rows gives the oldest past the grace period without touching
        // younger ones or the scheduled rows, however many wait for next month; the due_at index gives the scheduled
        // rows whose time has come, the earliest first.
        _leaseSql = $"SELECT {OutboxRecords.SelectColumns} FROM {table} WHERE due_at IS NULL AND created_at <= $cutoff ORDER BY created_at LIMIT $limit;";
        _leaseDueSql = $"SELECT {OutboxRecords.SelectColumns} FROM {table} WHERE due_at <= $now ORDER BY due_at LIMIT $limit;";

        // Ordered: the primary key walk gives commit order; a scheduled row takes its place once due.
        _leaseOrderedSql = $"SELECT {OutboxRecords.SelectColumns} FROM {table} WHERE due_at IS NULL OR due_at <= $now ORDER BY seq LIMIT $limit;";

        // Every aggregate is answered from a partial index (covering scans for the counts, one seek for each min)
        // without reading a row's body: unscheduled rows, scheduled rows due, scheduled rows not due yet.
        _backlogSql = $"""
            SELECT (SELECT count(*) FROM {table} WHERE due_at IS NULL),
                   (SELECT min(created_at) FROM {table} WHERE due_at IS NULL),
                   (SELECT count(*) FROM {table} WHERE due_at <= $now),
                   (SELECT min(due_at) FROM {table} WHERE due_at <= $now),
                   (SELECT count(*) FROM {table} WHERE due_at > $now),
                   (SELECT min(due_at) FROM {table} WHERE due_at > $now);
            """;
        _nextDueSql = $"SELECT min(due_at) FROM {table} WHERE due_at > $after;";

        // Only while not due: the relay leases a scheduled row once due, so a row deleted here was never sent. SQLite
        // has no row locks; the due time is what keeps this and the relay of the file apart.
        _cancelSql = $"DELETE FROM {table} WHERE message_id = $id AND due_at > $now;";
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

                // Scheduled sends. The created_at index becomes partial, so that scheduled rows, which the relay
                // leases by due time, stay out of the walk for unscheduled ones.
                $"""
                ALTER TABLE {table} ADD COLUMN due_at INTEGER NULL;
                DROP INDEX IF EXISTS {schema}"ix_{bare}_created_at";
                CREATE INDEX IF NOT EXISTS {schema}"ix_{bare}_pending" ON "{bare}" (created_at) WHERE due_at IS NULL;
                CREATE INDEX IF NOT EXISTS {schema}"ix_{bare}_due_at" ON "{bare}" (due_at) WHERE due_at IS NOT NULL;
                CREATE INDEX IF NOT EXISTS {schema}"ix_{bare}_scheduled_id" ON "{bare}" (message_id) WHERE due_at IS NOT NULL;
                """,
            ];
        }
    }

    public Task EnsureSchemaAsync(CancellationToken cancellationToken) =>
        _database.MigrateAsync("outbox:" + _tableName, SchemaSteps, cancellationToken);

    public async ValueTask<long> InsertAsync(DbTransaction transaction, OutboxRecord record, CancellationToken cancellationToken)
    {
        var sqlite = Of(transaction);
        using var command = sqlite.Connection!.CreateCommand();
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
        parameters.AddWithValue("$due", (object?)record.DueAt ?? DBNull.Value);
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
            if (request.Ordered)
            {
                await ReadAsync(connection, _leaseOrderedSql, request, request.BatchSize, records, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                // Due scheduled rows first: they already waited for their time, unscheduled ones only for the grace.
                await ReadAsync(connection, _leaseDueSql, request, request.BatchSize, records, cancellationToken).ConfigureAwait(false);
                if (records.Count < request.BatchSize)
                {
                    await ReadAsync(connection, _leaseSql, request, request.BatchSize - records.Count, records, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        // No lease to hold: a single relay per file is the rule, and holding a read open would only delay writers.
        return new Lease(this, records);
    }

    public async Task<OutboxBacklog> GetBacklogAsync(long now, CancellationToken cancellationToken)
    {
        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var command = connection.CreateCommand();
            command.CommandText = _backlogSql;
            command.Parameters.AddWithValue("$now", now);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                return OutboxBacklogs.Read(reader);
            }
        }
    }

    public async Task<long?> GetNextDueAsync(long after, CancellationToken cancellationToken)
    {
        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var command = connection.CreateCommand();
            command.CommandText = _nextDueSql;
            command.Parameters.AddWithValue("$after", after);
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long due ? due : null;
        }
    }

    public async Task<bool> CancelScheduledAsync(string messageId, long now, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        if (transaction is not null)
        {
            var sqlite = Of(transaction);
            using var command = sqlite.Connection!.CreateCommand();
            command.Transaction = sqlite;
            return await CancelAsync(command, messageId, now, cancellationToken).ConfigureAwait(false);
        }

        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var command = connection.CreateCommand();
            return await CancelAsync(command, messageId, now, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<bool> CancelAsync(SqliteCommand command, string messageId, long now, CancellationToken cancellationToken)
    {
        command.CommandText = _cancelSql;
        command.Parameters.AddWithValue("$id", messageId);
        command.Parameters.AddWithValue("$now", now);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    private static async Task ReadAsync(
        SqliteConnection connection, string sql, OutboxLeaseRequest request, int limit, List<OutboxRecord> records, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$cutoff", request.CreatedBefore);
        command.Parameters.AddWithValue("$now", request.DueBefore);
        command.Parameters.AddWithValue("$limit", limit);
        await OutboxRecords.ReadAllAsync(command, records, cancellationToken).ConfigureAwait(false);
    }

    private SqliteTransaction Of(DbTransaction transaction) =>
        transaction is SqliteTransaction { Connection: not null } sqlite
            ? sqlite
            : throw new ArgumentException(
                $"The outbox stores events in SQLite ({Name}) but was given a {transaction.GetType().Name}. Pass an open SqliteTransaction on the database of the outbox, or configure the outbox with the store of your database.",
                nameof(transaction));

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
