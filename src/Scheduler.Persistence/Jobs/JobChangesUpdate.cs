using System.Data.Common;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Scheduler.Domain.Jobs;

namespace Scheduler.Persistence.Jobs;

/// <summary>
/// One SQL statement that stores the changes of many jobs (a cycle's admissions, its starts, its pending reasons): each job's
/// changed columns, only where its row still has the version the change started from, with the events the change recorded
/// for the rows written; answers the ids written. The changes themselves are the domain's (<see cref="Job.Admit"/>,
/// <see cref="Job.TransitionTo"/>, <see cref="Job.SetPending"/>) on jobs read without tracking: what this replaces is EF's
/// change tracking and one UPDATE and one INSERT per job, which took most of a burst's admission time (thousands of jobs a
/// cycle). A row that changed meanwhile (another version) is left as it is, and so are its events, as EF's concurrency check
/// leaves it. Columns come from the EF model, as <see cref="NewJobsInsert"/>'s do.
/// </summary>
public sealed class JobChangesUpdate
{
    private static readonly ConditionalWeakTable<IModel, JobChangesUpdate> ByModel = [];

    private readonly TableWrite _jobs;
    private readonly TableWrite _events;
    private readonly TableWrite.Column _key;
    private readonly TableWrite.Column _version;
    private readonly TableWrite.Column[] _changeable;
    private readonly int _versionIndex;

    private JobChangesUpdate(TableWrite jobs, TableWrite events)
    {
        _jobs = jobs;
        _events = events;
        _key = jobs.Columns.Single(c => c.Property.IsPrimaryKey());
        _version = jobs.Columns.Single(c => c.Property.IsConcurrencyToken);
        _changeable = [.. jobs.Columns.Where(c => !c.Property.IsPrimaryKey())];
        _versionIndex = Array.IndexOf(_changeable, _version);
    }

    /// <summary>The update for <paramref name="model"/> (built once per model).</summary>
    public static JobChangesUpdate For(IModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return ByModel.GetValue(model, m =>
            TableWrite.For(m, typeof(Job)) is { } jobs && TableWrite.For(m, typeof(JobEvent)) is { } events
                ? new JobChangesUpdate(jobs, events)
                : throw new InvalidOperationException("The jobs or job_events table has a column no property fills; JobChangesUpdate cannot write it."));
    }

    /// <summary>The job's stored values, taken before its change: what the update compares with to find the columns it changed.</summary>
    public JobBeforeChange Before(Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var values = new object?[_changeable.Length];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = _changeable[i].Get(job);
        }

        return new JobBeforeChange(job, values, job.Events.Count);
    }

    /// <summary>Writes <paramref name="changes"/> on <paramref name="db"/>'s connection, in its transaction when it has one; answers the ids written.</summary>
    public Task<HashSet<Guid>> ExecuteAsync(DbContext db, IReadOnlyList<JobBeforeChange> changes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(changes);
        var changed = changes.Count == 0 ? [] : ChangedColumns(changes);
        // Nothing to write when no change touched a column (a pending reason set to what it was).
        return changed.Count == 0 ? Task.FromResult(new HashSet<Guid>()) : TableWrite.ExecuteIdsAsync(db, command => Sql(command, changes, changed), cancellationToken);
    }

    private string Sql(DbCommand command, IReadOnlyList<JobBeforeChange> changes, List<(TableWrite.Column Column, bool[] Rows)> changed)
    {
        var sql = new StringBuilder("WITH moved AS (UPDATE ").Append(_jobs.Table).Append(" AS j SET ");
        for (var i = 0; i < changed.Count; i++)
        {
            // Each row keeps the columns its own change left alone (another writer may have set them without a new version).
            var name = TableWrite.Quote(changed[i].Column.Name);
            sql.Append(i == 0 ? string.Empty : ", ").Append(name).Append(" = CASE WHEN e.c").Append(i).Append(" THEN e.v").Append(i).Append(" ELSE j.").Append(name).Append(" END");
        }

        sql.Append(" FROM unnest(");
        TableWrite.AppendArray(sql, command, Values(changes, m => _key.ToProvider(m.Job.Id), _key.ElementType), _key.ArrayStoreType);
        sql.Append(", ");
        TableWrite.AppendArray(sql, command, Values(changes, m => _version.ToProvider(m.Values[_versionIndex]), _version.ElementType), _version.ArrayStoreType);
        foreach (var (column, rows) in changed)
        {
            sql.Append(", ");
            TableWrite.AppendArray(sql, command, Values(changes, m => column.ToProvider(column.Get(m.Job)), column.ElementType), column.ArrayStoreType);
            sql.Append(", ");
            TableWrite.AppendArray(sql, command, rows, "boolean[]");
        }

        sql.Append(") AS e (id, expected");
        for (var i = 0; i < changed.Count; i++)
        {
            sql.Append(", v").Append(i).Append(", c").Append(i);
        }

        var version = TableWrite.Quote(_version.Name);
        sql.Append(") WHERE j.").Append(_jobs.Key).Append(" = e.id AND j.").Append(version).Append(" = e.expected RETURNING j.").Append(_jobs.Key).Append(')');
        _events.AppendInsertForJobs(sql, command, "events", changes.SelectMany(m => m.Job.Events.Skip(m.EventsBefore)).ToList(), "moved", _jobs.Key);
        return sql.Append(" SELECT ").Append(_jobs.Key).Append(" FROM moved").ToString();
    }

    /// <summary>The columns some change touched (compared as EF would, by each property's value comparer), with which rows changed each.</summary>
    private List<(TableWrite.Column Column, bool[] Rows)> ChangedColumns(IReadOnlyList<JobBeforeChange> changes)
    {
        var changed = new List<(TableWrite.Column, bool[])>();
        for (var i = 0; i < _changeable.Length; i++)
        {
            var column = _changeable[i];
            var comparer = column.Property.GetValueComparer();
            var rows = new bool[changes.Count];
            var any = false;
            for (var row = 0; row < changes.Count; row++)
            {
                rows[row] = !comparer.Equals(changes[row].Values[i], column.Get(changes[row].Job));
                any |= rows[row];
            }

            if (any)
            {
                changed.Add((column, rows));
            }
        }

        return changed;
    }

    private static Array Values(IReadOnlyList<JobBeforeChange> changes, Func<JobBeforeChange, object?> value, Type elementType)
    {
        var values = Array.CreateInstance(elementType, changes.Count);
        for (var row = 0; row < changes.Count; row++)
        {
            values.SetValue(value(changes[row]), row);
        }

        return values;
    }
}

/// <summary>A job as read, before its change: its column values and how many events it had (<see cref="JobChangesUpdate.Before"/>).</summary>
public sealed class JobBeforeChange
{
    internal JobBeforeChange(Job job, object?[] values, int eventsBefore)
    {
        Job = job;
        Values = values;
        EventsBefore = eventsBefore;
    }

    public Job Job { get; }

    internal object?[] Values { get; }

    internal int EventsBefore { get; }
}
