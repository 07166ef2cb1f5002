using Eventing.Outbox.Storage;

namespace Microsoft.EntityFrameworkCore;

/// <summary>Maps the outbox table into a DbContext model.</summary>
public static class OutboxModelBuilderExtensions
{
    /// <summary>
    /// Maps the outbox rows so SaveChanges can insert them. The table is created by the outbox's schema step, not by
    /// migrations (it is excluded from them); <paramref name="tableName"/> must match <c>OutboxOptions.TableName</c>.
    /// </summary>
    /// <example><code>protected override void OnModelCreating(ModelBuilder model) =&gt; model.AddOutbox();</code></example>
    public static ModelBuilder AddOutbox(this ModelBuilder modelBuilder, string tableName = "eventing_outbox")
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        ArgumentException.ThrowIfNullOrWhiteSpace(tableName);
        var dot = tableName.IndexOf('.', StringComparison.Ordinal);
        var schema = dot < 0 ? null : tableName[..dot];
        var table = dot < 0 ? tableName : tableName[(dot + 1)..];
        modelBuilder.Entity<OutboxRecord>(entity =>
        {
            entity.ToTable(table, schema, builder => builder.ExcludeFromMigrations());
            entity.HasKey(record => record.Sequence);
            entity.Property(record => record.Sequence).HasColumnName("seq").ValueGeneratedOnAdd();
            entity.Property(record => record.MessageId).HasColumnName("message_id");
            entity.Property(record => record.EventName).HasColumnName("event");
            entity.Property(record => record.OrderingKey).HasColumnName("ordering_key");
            entity.Property(record => record.Durable).HasColumnName("durable");
            entity.Property(record => record.CreatedAt).HasColumnName("created_at");
            entity.Property(record => record.Source).HasColumnName("source");
            entity.Property(record => record.Time).HasColumnName("time");
            entity.Property(record => record.ContentType).HasColumnName("content_type");
            entity.Property(record => record.Headers).HasColumnName("headers");
            entity.Property(record => record.Body).HasColumnName("body");
            entity.Property(record => record.DueAt).HasColumnName("due_at");
        });
        return modelBuilder;
    }
}
