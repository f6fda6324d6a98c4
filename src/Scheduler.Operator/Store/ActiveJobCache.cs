using Scheduler.Application.Scheduling;
using Scheduler.Domain.Jobs;

namespace Scheduler.Operator.Store;

/// <summary>
/// The operator's incremental snapshot of the jobs table: the rows of every job in an active state, kept between cycles and
/// brought up to date with only the rows written since the last read (<see cref="ReadJobChanges"/>). <see cref="Select"/> answers
/// what <see cref="ListActiveJobs"/> would (the same <see cref="ActiveJobSelection"/> over a full read). A stale row can only cost a refused write (every
/// admission and transition is checked against the row's version); still, the whole table is read again when this replica
/// begins leading, after a failed cycle (<see cref="ReadAllNext"/>) and every <see cref="FullReadEvery"/> reads.
/// </summary>
public sealed class ActiveJobCache
{
    /// <summary>Incremental reads between two full ones: the safety net's period (about a minute at the default 1 s cycle).</summary>
    public const int FullReadEvery = 60;

    private readonly Dictionary<Guid, ChangedJob> _rows = [];
    private IReadOnlySet<Guid> _budgetHeld = new HashSet<Guid>();
    private long? _watermark;
    private int _incremental;

    /// <summary>The watermark for the next read: <c>null</c> asks for a full read.</summary>
    public long? Since => _watermark is { } w && _incremental < FullReadEvery ? w : null;

    /// <summary>Full reads applied so far (tests and metrics).</summary>
    public int FullReads { get; private set; }

    /// <summary>The next read is a full one (a new leader term, or a cycle that failed: any doubt about the cache).</summary>
    public void ReadAllNext() => _watermark = null;

    public void Apply(ChangedJobs changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        if (changes.Full)
        {
            _rows.Clear();
            _incremental = 0;
            FullReads++;
        }
        else
        {
            _incremental++;
        }

        foreach (var row in changes.Rows)
        {
            if (!JobStateMachine.IsFinal(row.Job.State))
            {
                _rows[row.Job.Id] = row;
            }
            else
            {
                _rows.Remove(row.Job.Id);
            }
        }

        _budgetHeld = changes.BudgetHeld;
        _watermark = changes.Watermark;
    }

    /// <summary>The jobs the scheduler acts on now (<see cref="ActiveJobSelection"/>, the rule <see cref="ListActiveJobs"/> applies to a full read).</summary>
    public IReadOnlyList<ActiveJob> Select(DateTimeOffset now) => ActiveJobSelection.Select(_rows.Values, _budgetHeld, now);
}
