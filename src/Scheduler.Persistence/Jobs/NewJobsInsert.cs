using System.Data.Common;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Scheduler.Domain.Jobs;

namespace Scheduler.Persistence.Jobs;

/// <summary>
/// One prepared SQL statement that inserts many new jobs, each with its events, and answers the ids it inserted: a job whose id or
/// active name is taken is skipped (<c>ON CONFLICT DO NOTHING</c>, which also covers the partial unique index on names),
/// and so are its events. One statement is one transaction: one WAL flush for the whole group.
/// Columns, names and conversions come from the EF model, so a property added to <see cref="Job"/> or <see cref="JobEvent"/>
/// is written too; <see cref="For"/> answers null when a table has a column no property of its entity fills (an owned
/// type, say), and the caller then saves through EF.
/// </summary>
public sealed class NewJobsInsert
{
    private readonly TableWrite _jobs;
    private readonly TableWrite _events;
    private readonly Dictionary<Type, TableWrite> _dependents;

    private NewJobsInsert(IModel model, TableWrite jobs, TableWrite events, Dictionary<Type, TableWrite> dependents)
    {
        Model = model;
        _jobs = jobs;
        _events = events;
        _dependents = dependents;
    }

    public IModel Model { get; }

    public static NewJobsInsert? For(IModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (TableWrite.For(model, typeof(Job)) is not { } jobs || TableWrite.For(model, typeof(JobEvent)) is not { } events)
        {
            return null;
        }

        // Rows stored with a new job in its transaction (its estimate, its budget charge): entities whose key is the job's.
        var dependents = model.GetEntityTypes()
            .Where(e => !e.IsOwned() && e.ClrType != typeof(JobEvent) && e.GetForeignKeys().Any(f => f.PrincipalEntityType.ClrType == typeof(Job)))
            .Select(e => TableWrite.For(model, e.ClrType))
            .OfType<TableWrite>()
            .ToDictionary(t => t.ClrType);
        return new NewJobsInsert(model, jobs, events, dependents);
    }

    /// <summary>Whether every row is of an entity this statement can write with its job; else the caller saves through EF.</summary>
    public bool CanWrite(IEnumerable<object> rows) => rows.All(r => _dependents.ContainsKey(r.GetType()));

    /// <summary>Inserts what it can of <paramref name="jobs"/> on <paramref name="connection"/>; answers the ids inserted.</summary>
    public async Task<HashSet<Guid>> ExecuteAsync(DbConnection connection, IReadOnlyList<Job> jobs, IReadOnlyList<object> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(jobs);
        ArgumentNullException.ThrowIfNull(rows);
        await using var command = connection.CreateCommand();
        var sql = new StringBuilder();
        // Data-modifying CTEs: the events insert sees which jobs went in; foreign keys are checked at the statement's end.
        sql.Append("WITH inserted AS (INSERT INTO ").Append(_jobs.Table).Append(" (").Append(_jobs.ColumnList).Append(") SELECT * FROM ");
        _jobs.AppendUnnest(sql, command, jobs);
        sql.Append(" ON CONFLICT DO NOTHING RETURNING ").Append(_jobs.Key).Append(')');
        AppendDependent(sql, command, "events", _events, jobs.SelectMany(j => j.Events).ToList<object>());
        // In a fixed order, so that groups with the same tables send the same text (prepared once).
        foreach (var (group, index) in rows.GroupBy(r => r.GetType()).OrderBy(g => g.Key.FullName, StringComparer.Ordinal).Select((g, i) => (g, i)))
        {
            AppendDependent(sql, command, $"rows{index}", _dependents[group.Key], group.ToList());
        }

        sql.Append(" SELECT ").Append(_jobs.Key).Append(" FROM inserted");
        command.CommandText = sql.ToString();
        // One array per column, whatever the group's size: the text is the same for every group of the same tables, so the
        // connection prepares it once (Npgsql keeps it across pooled uses) and PostgreSQL parses and plans it once, where a
        // VALUES list of one parameter per value was parsed and planned anew for every group.
        await command.PrepareAsync(cancellationToken);

        var inserted = new HashSet<Guid>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            inserted.Add(reader.GetGuid(0));
        }

        return inserted;
    }

    /// <summary>A data-modifying CTE inserting the rows that belong to the jobs actually inserted (skipped jobs take theirs along).</summary>
    private void AppendDependent(StringBuilder sql, DbCommand command, string name, TableWrite table, IReadOnlyList<object> rows)
    {
        if (rows.Count == 0)
        {
            return;
        }

        sql.Append(", ").Append(name).Append(" AS (INSERT INTO ").Append(table.Table).Append(" (").Append(table.ColumnList).Append(") SELECT * FROM ");
        table.AppendUnnest(sql, command, rows);
        sql.Append(" WHERE e.").Append(table.ForeignKey).Append(" IN (SELECT ").Append(_jobs.Key).Append(" FROM inserted))");
    }

    /// <summary>
    /// How one entity's rows are written: its table, and per column the store mapping and how to read the value from a row
    /// (through the owning navigation for an owned type stored in the same row, such as a job's origin).
    /// </summary>
    private sealed class TableWrite(Type clrType, string table, IReadOnlyList<TableWrite.Column> columns, string key, string? foreignKey)
    {
        public Type ClrType { get; } = clrType;

        public string Table { get; } = table;

        public string ColumnList { get; } = string.Join(", ", columns.Select(c => Quote(c.Name)));

        public string Key { get; } = key;

        public string ForeignKey => foreignKey ?? throw new InvalidOperationException($"{Table} has no foreign key to jobs.");

        public static TableWrite? For(IModel model, Type clrType)
        {
            var entity = model.FindEntityType(clrType);
            var table = entity?.GetTableMappings().SingleOrDefault()?.Table;
            if (entity is null || table is null || entity.GetProperties().Any(p => p.IsShadowProperty()))
            {
                return null;
            }

            var columns = entity.GetProperties().Select(p => new Column(p, row => p.GetGetter().GetClrValue(row))).ToList();
            foreach (var navigation in entity.GetNavigations().Where(n => n.TargetEntityType.IsOwned() && !n.IsCollection))
            {
                var owned = navigation.TargetEntityType;
                if (owned.GetTableMappings().SingleOrDefault()?.Table != table)
                {
                    return null;
                }

                // The owned type's key is the owner's key, already written; its other properties are its columns.
                var getOwned = navigation.GetGetter();
                columns.AddRange(owned.GetProperties().Where(p => !p.IsPrimaryKey()).Select(p => new Column(
                    p, row => getOwned.GetClrValue(row) is { } value ? p.GetGetter().GetClrValue(value) : null, Nullable: true)));
            }

            if (columns.Count != table.Columns.Count() || columns.Any(c => c.Property.IsShadowProperty()))
            {
                return null;
            }

            var key = Quote(entity.FindPrimaryKey()!.Properties[0].GetColumnName());
            var foreignKey = entity.GetForeignKeys().FirstOrDefault(f => f.PrincipalEntityType.ClrType == typeof(Job))?.Properties[0].GetColumnName();
            var name = table.Schema is null ? Quote(table.Name) : $"{Quote(table.Schema)}.{Quote(table.Name)}";
            return new TableWrite(clrType, name, columns, key, foreignKey is null ? null : Quote(foreignKey));
        }

        /// <summary>
        /// <c>unnest(@p0::uuid[], @p1::character varying(63)[], ...) AS e (columns)</c>: one array parameter per column, each
        /// value converted to its store form by the property's value converter (enum as text, spec as JSON text).
        /// </summary>
        public void AppendUnnest<T>(StringBuilder sql, DbCommand command, IReadOnlyList<T> rows)
            where T : class
        {
            sql.Append("unnest(");
            for (var column = 0; column < columns.Count; column++)
            {
                var c = columns[column];
                var values = Array.CreateInstance(c.ElementType, rows.Count);
                for (var row = 0; row < rows.Count; row++)
                {
                    values.SetValue(c.ToProvider(c.Get(rows[row])), row);
                }

                var parameter = command.CreateParameter();
                parameter.ParameterName = $"p{command.Parameters.Count}";
                parameter.Value = values;
                command.Parameters.Add(parameter);
                sql.Append(column == 0 ? "@" : ", @").Append(parameter.ParameterName).Append("::").Append(c.ArrayStoreType);
            }

            sql.Append(") AS e (").Append(ColumnList).Append(')');
        }

        private static string Quote(string identifier) => $"\"{identifier.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";

        /// <summary>One column: its property, how a row's value is read, and whether it may be null (owned values may be absent).</summary>
        public sealed record Column(IProperty Property, Func<object, object?> Get, bool Nullable = false)
        {
            private readonly RelationalTypeMapping _mapping = (RelationalTypeMapping)Property.GetRelationalTypeMapping();

            public string Name => Property.GetColumnName();

            /// <summary>The array's element type: the store form of the property's values, nullable where the column is.</summary>
            public Type ElementType { get; } = ElementTypeOf((RelationalTypeMapping)Property.GetRelationalTypeMapping(), Nullable || Property.IsNullable);

            /// <summary>The column's store type as an array (<c>jsonb[]</c>, <c>character varying(63)[]</c>), cast to from the parameter.</summary>
            public string ArrayStoreType => _mapping.StoreType + "[]";

            public object? ToProvider(object? value) => value is null || _mapping.Converter is not { } converter ? value : converter.ConvertToProvider(value);

            private static Type ElementTypeOf(RelationalTypeMapping mapping, bool nullable)
            {
                var type = mapping.Converter?.ProviderClrType ?? mapping.ClrType;
                var underlying = System.Nullable.GetUnderlyingType(type) ?? type;
                return underlying.IsValueType && nullable ? typeof(Nullable<>).MakeGenericType(underlying) : underlying;
            }
        }
    }
}
