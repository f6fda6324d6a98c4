using System.Data.Common;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Scheduler.Domain.Jobs;

namespace Scheduler.Persistence.Jobs;

/// <summary>
/// One SQL statement that inserts many new jobs, each with its events, and answers the ids it inserted: a job whose id or
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

    private NewJobsInsert(IModel model, TableWrite jobs, TableWrite events)
    {
        Model = model;
        _jobs = jobs;
        _events = events;
    }

    public IModel Model { get; }

    public static NewJobsInsert? For(IModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return TableWrite.For(model, typeof(Job)) is { } jobs && TableWrite.For(model, typeof(JobEvent)) is { } events
            ? new NewJobsInsert(model, jobs, events)
            : null;
    }

    /// <summary>Inserts what it can of <paramref name="jobs"/> on <paramref name="connection"/>; answers the ids inserted.</summary>
    public async Task<HashSet<Guid>> ExecuteAsync(DbConnection connection, IReadOnlyList<Job> jobs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(jobs);
        await using var command = connection.CreateCommand();
        var sql = new StringBuilder();
        // Data-modifying CTEs: the events insert sees which jobs went in; foreign keys are checked at the statement's end.
        sql.Append("WITH inserted AS (INSERT INTO ").Append(_jobs.Table).Append(" (").Append(_jobs.ColumnList).Append(") VALUES ");
        _jobs.AppendRows(sql, command, jobs);
        sql.Append(" ON CONFLICT DO NOTHING RETURNING ").Append(_jobs.Key).Append("), events AS (INSERT INTO ").Append(_events.Table)
            .Append(" (").Append(_events.ColumnList).Append(") SELECT * FROM (VALUES ");
        _events.AppendRows(sql, command, jobs.SelectMany(j => j.Events).ToList());
        sql.Append(") AS e (").Append(_events.ColumnList).Append(") WHERE e.").Append(_events.ForeignKey)
            .Append(" IN (SELECT ").Append(_jobs.Key).Append(" FROM inserted)) SELECT ").Append(_jobs.Key).Append(" FROM inserted");
        command.CommandText = sql.ToString();

        var inserted = new HashSet<Guid>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            inserted.Add(reader.GetGuid(0));
        }

        return inserted;
    }

    /// <summary>How one entity's rows are written: its table, and per column the property, its getter and its store mapping.</summary>
    private sealed class TableWrite(string table, IReadOnlyList<(IProperty Property, RelationalTypeMapping Mapping)> columns, string key, string? foreignKey)
    {
        public string Table { get; } = table;

        public string ColumnList { get; } = string.Join(", ", columns.Select(c => Quote(c.Property.GetColumnName())));

        public string Key { get; } = key;

        public string ForeignKey => foreignKey ?? throw new InvalidOperationException($"{Table} has no foreign key to jobs.");

        public static TableWrite? For(IModel model, Type clrType)
        {
            var entity = model.FindEntityType(clrType);
            var table = entity?.GetTableMappings().SingleOrDefault()?.Table;
            if (entity is null || table is null)
            {
                return null;
            }

            var properties = entity.GetProperties().Where(p => !p.IsShadowProperty()).ToList();
            if (properties.Count != table.Columns.Count() || properties.Count != entity.GetProperties().Count())
            {
                return null;
            }

            var key = Quote(entity.FindPrimaryKey()!.Properties[0].GetColumnName());
            var foreignKey = entity.GetForeignKeys().FirstOrDefault(f => f.PrincipalEntityType.ClrType == typeof(Job))?.Properties[0].GetColumnName();
            var name = table.Schema is null ? Quote(table.Name) : $"{Quote(table.Schema)}.{Quote(table.Name)}";
            return new TableWrite(name, properties.Select(p => (p, (RelationalTypeMapping)p.GetRelationalTypeMapping())).ToList(), key,
                foreignKey is null ? null : Quote(foreignKey));
        }

        public void AppendRows<T>(StringBuilder sql, DbCommand command, IReadOnlyList<T> rows)
            where T : class
        {
            for (var row = 0; row < rows.Count; row++)
            {
                sql.Append(row == 0 ? "(" : ", (");
                for (var column = 0; column < columns.Count; column++)
                {
                    var (property, mapping) = columns[column];
                    var name = $"p{command.Parameters.Count}";
                    // The mapping applies the property's value converter (enum as text, spec as jsonb) and the store type.
                    command.Parameters.Add(mapping.CreateParameter(command, name, property.GetGetter().GetClrValue(rows[row]), property.IsNullable));
                    sql.Append(column == 0 ? "@" : ", @").Append(name);
                }

                sql.Append(')');
            }
        }

        private static string Quote(string identifier) => $"\"{identifier.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
    }
}
