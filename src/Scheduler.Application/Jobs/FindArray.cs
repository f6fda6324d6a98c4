using Mediator;
using Microsoft.EntityFrameworkCore;
using Scheduler.Persistence;

namespace Scheduler.Application.Jobs;

/// <summary>
/// The array an id names: an array's own id, or the id of one of its tasks. Answers the array's id and a task of it (whose
/// queue decides who may act on the array); null when the id names neither.
/// </summary>
public sealed record FindArray(Guid Id) : IQuery<ArrayRef?>;

public sealed record ArrayRef(Guid ArrayId, Guid TaskId);

internal sealed class FindArrayHandler(SchedulerDbContext db) : IQueryHandler<FindArray, ArrayRef?>
{
    public async ValueTask<ArrayRef?> Handle(FindArray query, CancellationToken cancellationToken)
    {
        var task = await db.Jobs.AsNoTracking()
            .Where(j => j.ArrayId != null && (j.ArrayId == query.Id || j.Id == query.Id))
            .OrderBy(j => j.Id == query.Id ? 0 : 1)
            .Select(j => new { j.Id, j.ArrayId })
            .FirstOrDefaultAsync(cancellationToken);
        return task is null ? null : new ArrayRef(task.ArrayId!.Value, task.Id);
    }
}
