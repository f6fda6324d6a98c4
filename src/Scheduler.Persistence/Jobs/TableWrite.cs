using System.Data.Common;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;
using Scheduler.Domain.Jobs;

namespace Scheduler.Persistence.Jobs;

/// <summary>
/// How one entity's rows are written: its table, and per column the store mapping and how to read the value from a row
/// (through the owning navigation for an owned type stored in the same row, such as a job's origin).
/// </summary>
internal sealed class TableWrite(Type clrType, string table, IReadOnlyList<TableWrite.Column> columns, string key, string? foreignKey)
{
    public Type ClrType { get; } = clrType;

    public string Table { get; } = table;

    public string ColumnList { get; } = string.Join(", ", columns.Select(c => Quote(c.Name)));

    public string Key { get; } = key;

    /// <summary>The entity's columns, in the order of <see cref="ColumnList"/>.</summary>
    public IReadOnlyList<Column> Columns { get; } = columns;

    public string ForeignKey => foreignKey ?? throw new InvalidOperationException($"{Table} has no foreign key to jobs.");

    /// <summary>The quoted name of the column that stores <paramref name="property"/>.</summary>
    public string QuotedColumn(string property) => Quote(Columns.Single(c => c.Property.Name == property).Name);

    public static TableWrite? For(IModel model, Type clrType)
    {
        var entity = model.FindEntityType(clrType);
        var table = entity?.GetTableMappings().SingleOrDefault()?.Table;
        if (entity is null || table is null || entity.GetProperties().Any(p => p.IsShadowProperty()))
        {
            return null;
        }

        // A key the database numbers (an identity column) is left to it: the rows' own values are unset.
        var generated = entity.GetProperties().Where(IsDatabaseNumbered).ToList();
        var columns = entity.GetProperties().Except(generated).Select(p => new Column(p, row => p.GetGetter().GetClrValue(row))).ToList();
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

        if (columns.Count + generated.Count != table.Columns.Count() || columns.Any(c => c.Property.IsShadowProperty()))
        {
            return null;
        }

        var key = Quote(entity.FindPrimaryKey()!.Properties[0].GetColumnName());
        var foreignKey = entity.GetForeignKeys().FirstOrDefault(f => f.PrincipalEntityType.ClrType == typeof(Job))?.Properties[0].GetColumnName();
        var name = table.Schema is null ? Quote(table.Name) : $"{Quote(table.Schema)}.{Quote(table.Name)}";
        return new TableWrite(clrType, name, columns, key, foreignKey is null ? null : Quote(foreignKey));
    }

    private static bool IsDatabaseNumbered(IProperty property) =>
        property.IsPrimaryKey() && property.ValueGenerated == ValueGenerated.OnAdd
        && property.GetValueGenerationStrategy() is NpgsqlValueGenerationStrategy.IdentityAlwaysColumn or NpgsqlValueGenerationStrategy.IdentityByDefaultColumn or NpgsqlValueGenerationStrategy.SerialColumn;

    /// <summary>
    /// <c>unnest(@p0::uuid[], @p1::character varying(63)[], ...) AS e (columns)</c>: one array parameter per column, each
    /// value converted to its store form by the property's value converter (enum as text, spec as JSON text).
    /// </summary>
    public void AppendUnnest<T>(StringBuilder sql, DbCommand command, IReadOnlyList<T> rows)
        where T : class
    {
        sql.Append("unnest(");
        for (var column = 0; column < Columns.Count; column++)
        {
            var c = Columns[column];
            var values = Array.CreateInstance(c.ElementType, rows.Count);
            for (var row = 0; row < rows.Count; row++)
            {
                values.SetValue(c.ToProvider(c.Get(rows[row])), row);
            }

            AppendArray(sql.Append(column == 0 ? string.Empty : ", "), command, values, c.ArrayStoreType);
        }

        sql.Append(") AS e (").Append(ColumnList).Append(')');
    }

    /// <summary>
    /// <c>, name AS (INSERT INTO table (...) SELECT * FROM unnest(...) WHERE e.job_id IN (SELECT id FROM jobs))</c>: a data-modifying
    /// CTE inserting the rows of this table that belong to the jobs the CTE <paramref name="jobs"/> returned (keyed by <paramref name="jobKey"/>).
    /// </summary>
    public void AppendInsertForJobs<T>(StringBuilder sql, DbCommand command, string name, IReadOnlyList<T> rows, string jobs, string jobKey)
        where T : class
    {
        if (rows.Count == 0)
        {
            return;
        }

        sql.Append(", ").Append(name).Append(" AS (INSERT INTO ").Append(Table).Append(" (").Append(ColumnList).Append(") SELECT * FROM ");
        AppendUnnest(sql, command, rows);
        sql.Append(" WHERE e.").Append(ForeignKey).Append(" IN (SELECT ").Append(jobKey).Append(" FROM ").Append(jobs).Append("))");
    }

    /// <summary>
    /// Prepares and runs <paramref name="command"/>, answering the ids of its one column. The text is the same for every batch
    /// of the same shape (one array per column, whatever the batch's size), so the connection prepares it once (Npgsql keeps it
    /// across pooled uses) and PostgreSQL parses and plans it once, where a VALUES list of one parameter per value was parsed
    /// and planned anew every time.
    /// </summary>
    public static async Task<HashSet<Guid>> ExecuteIdsAsync(DbCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        await command.PrepareAsync(cancellationToken);
        var ids = new HashSet<Guid>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetGuid(0));
        }

        return ids;
    }

    /// <summary>
    /// Runs the statement <paramref name="build"/> writes (its text, given the command to add parameters to) on
    /// <paramref name="db"/>'s connection, in its transaction when it has one, as <see cref="ExecuteIdsAsync(DbCommand, CancellationToken)"/> does.
    /// </summary>
    public static async Task<HashSet<Guid>> ExecuteIdsAsync(DbContext db, Func<DbCommand, string> build, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(build);
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            command.CommandText = build(command);
            return await ExecuteIdsAsync(command, cancellationToken);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>Adds <paramref name="values"/> as the command's next parameter and writes it as <c>@pN::type[]</c>.</summary>
    public static void AppendArray(StringBuilder sql, DbCommand command, Array values, string arrayStoreType) =>
        AppendValue(sql, command, values, arrayStoreType);

    /// <summary>Adds <paramref name="value"/> as the command's next parameter and writes it as <c>@pN::type</c>.</summary>
    public static void AppendValue(StringBuilder sql, DbCommand command, object value, string storeType)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = $"p{command.Parameters.Count}";
        parameter.Value = value;
        command.Parameters.Add(parameter);
        sql.Append('@').Append(parameter.ParameterName).Append("::").Append(storeType);
    }

    public static string Quote(string identifier) => $"\"{identifier.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";

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
