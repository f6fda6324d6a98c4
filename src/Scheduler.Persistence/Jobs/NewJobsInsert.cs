using System.Data.Common;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
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

    /// <summary>
    /// Inserts what it can of <paramref name="jobs"/> on <paramref name="db"/>'s connection (in its transaction when it has
    /// one); answers the ids inserted.
    /// </summary>
    public Task<HashSet<Guid>> ExecuteAsync(DbContext db, IReadOnlyList<Job> jobs, IReadOnlyList<object> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(jobs);
        ArgumentNullException.ThrowIfNull(rows);
        return TableWrite.ExecuteIdsAsync(db, command => Sql(command, jobs, rows), cancellationToken);
    }

    private string Sql(DbCommand command, IReadOnlyList<Job> jobs, IReadOnlyList<object> rows)
    {
        var sql = new StringBuilder();
        // Data-modifying CTEs: the events insert sees which jobs went in; foreign keys are checked at the statement's end.
        sql.Append("WITH inserted AS (INSERT INTO ").Append(_jobs.Table).Append(" (").Append(_jobs.ColumnList).Append(") SELECT * FROM ");
        _jobs.AppendUnnest(sql, command, jobs);
        sql.Append(" ON CONFLICT DO NOTHING RETURNING ").Append(_jobs.Key).Append(')');
        _events.AppendInsertForJobs(sql, command, "events", jobs.SelectMany(j => j.Events).ToList(), "inserted", _jobs.Key);
        // In a fixed order, so that groups with the same tables send the same text (prepared once).
        foreach (var (group, index) in rows.GroupBy(r => r.GetType()).OrderBy(g => g.Key.FullName, StringComparer.Ordinal).Select((g, i) => (g, i)))
        {
            _dependents[group.Key].AppendInsertForJobs(sql, command, $"rows{index}", group.ToList(), "inserted", _jobs.Key);
        }

        return sql.Append(" SELECT ").Append(_jobs.Key).Append(" FROM inserted").ToString();
    }
}
