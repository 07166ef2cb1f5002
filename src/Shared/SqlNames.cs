namespace Eventing.Persistence;

/// <summary>
/// Table names in SQL, the same on SQLite and PostgreSQL (both quote identifiers with double quotes). Compiled
/// into each persistence package as a shared source file, since the two packages reference nothing in common.
/// </summary>
internal static class SqlNames
{
    /// <summary>Quotes a table name, <c>name</c> or <c>schema.name</c>, for SQL.</summary>
    public static string Quote(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? $"\"{name}\"" : $"\"{name[..dot]}\".\"{name[(dot + 1)..]}\"";
    }
}
