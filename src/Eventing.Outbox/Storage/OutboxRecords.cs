using System.Buffers;
using System.Data.Common;
using System.Text;
using System.Text.Json;
using Eventing.Providers;

namespace Eventing.Outbox.Storage;

/// <summary>Converts envelopes to rows and back without losing the id, time or headers.</summary>
internal static class OutboxRecords
{
    /// <summary>The columns a store inserts, in the order of its insert's parameters.</summary>
    public const string InsertColumns = "message_id, event, ordering_key, durable, created_at, source, time, content_type, headers, body, due_at";

    /// <summary>The columns a store selects for a lease, in the order <see cref="Read"/> reads them.</summary>
    public const string SelectColumns = "seq, " + InsertColumns;

    /// <summary>Runs <paramref name="command"/>, a query of <see cref="SelectColumns"/>, and adds every row to <paramref name="records"/>.</summary>
    public static async Task ReadAllAsync(DbCommand command, List<OutboxRecord> records, CancellationToken cancellationToken)
    {
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                records.Add(Read(reader));
            }
        }
    }

    /// <summary>The row the reader is on, selected as <see cref="SelectColumns"/>.</summary>
    public static OutboxRecord Read(DbDataReader reader) => new()
    {
        Sequence = reader.GetInt64(0),
        MessageId = reader.GetString(1),
        EventName = reader.GetString(2),
        OrderingKey = reader.IsDBNull(3) ? null : reader.GetString(3),
        Durable = reader.GetBoolean(4),
        CreatedAt = reader.GetInt64(5),
        Source = reader.GetString(6),
        Time = reader.GetString(7),
        ContentType = reader.GetString(8),
        Headers = reader.GetString(9),
        Body = reader.GetFieldValue<byte[]>(10),
        DueAt = reader.IsDBNull(11) ? null : reader.GetInt64(11),
    };

    public static OutboxRecord FromEnvelope(Envelope envelope, EventDescriptor descriptor, string? orderingKey, long? dueAt = null) => new()
    {
        DueAt = dueAt,
        MessageId = envelope.Id,
        EventName = envelope.Type,
        OrderingKey = orderingKey,
        Durable = descriptor.Durable,
        CreatedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        Source = envelope.Source,
        Time = envelope.FormatTime(),
        ContentType = envelope.DataContentType,
        Headers = WriteHeaders(envelope.Headers),
        Body = envelope.Body.ToArray(),
    };

    public static PendingMessage ToMessage(OutboxRecord record, IEnvelopeSender sender)
    {
        var envelope = new Envelope(record.EventName, record.Body)
        {
            Id = record.MessageId,
            Source = record.Source,
            DataContentType = record.ContentType,
        };
        envelope.TrySetAttribute("time", record.Time);
        ReadHeaders(record.Headers, envelope.Headers);

        // An event recorded by another version of the app may not be registered here; it is still sent by name.
        var descriptor = sender.TryGetEvent(record.EventName, out var known) ? known : new EventDescriptor(record.EventName, record.Durable);
        return new PendingMessage(record, envelope, descriptor);
    }

    private static string WriteHeaders(EnvelopeHeaders headers)
    {
        if (headers.Count == 0)
        {
            return "{}";
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var header in headers)
            {
                writer.WriteString(header.Key, header.Value);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void ReadHeaders(string json, EnvelopeHeaders headers)
    {
        if (json.Length <= 2)
        {
            return;
        }

        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                continue;
            }

            var name = reader.GetString()!;
            reader.Read();

            // The headers passed the CloudEvents rules when they were recorded; TrySet only guards against edited rows.
            headers.TrySet(name, reader.GetString() ?? "");
        }
    }
}
