using Mediator;
using Microsoft.EntityFrameworkCore;
using Scheduler.Domain.Jobs;
using Scheduler.Persistence;

namespace Scheduler.Application.Scheduling;

/// <summary>
/// The jobs that dependencies name, by the id each dependency stores: the job of that id, or every task of the array of that id.
/// An id with no job (purged) answers an empty list. The cycle asks only for the ids its queued jobs wait for.
/// </summary>
public sealed record GetDependencyTargets(IReadOnlyCollection<Guid> Ids) : IQuery<IReadOnlyDictionary<Guid, IReadOnlyList<DependencyTarget>>>;

/// <summary>One job a dependency waits for: its name (for the pending reason) and its state.</summary>
public sealed record DependencyTarget(Guid Id, string Name, JobState State);

internal sealed class GetDependencyTargetsHandler(SchedulerDbContext db)
    : IQueryHandler<GetDependencyTargets, IReadOnlyDictionary<Guid, IReadOnlyList<DependencyTarget>>>
{
    public async ValueTask<IReadOnlyDictionary<Guid, IReadOnlyList<DependencyTarget>>> Handle(GetDependencyTargets query, CancellationToken cancellationToken)
    {
        if (query.Ids.Count == 0)
        {
            return new Dictionary<Guid, IReadOnlyList<DependencyTarget>>();
        }

        var ids = query.Ids.ToList();
        var rows = await db.Jobs.AsNoTracking()
            .Where(j => ids.Contains(j.Id) || (j.ArrayId != null && ids.Contains(j.ArrayId.Value)))
            .Select(j => new { j.Id, j.ArrayId, j.Name, j.State })
            .ToListAsync(cancellationToken);
        return ids.ToDictionary(
            id => id,
            id => (IReadOnlyList<DependencyTarget>)rows.Where(r => r.Id == id || r.ArrayId == id).Select(r => new DependencyTarget(r.Id, r.Name, r.State)).ToList());
    }
}
