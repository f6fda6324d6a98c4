using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Scheduler.Domain.Jobs;
using Scheduler.Persistence;
using Scheduler.Persistence.Queues;

namespace Scheduler.Application.Common;

/// <summary>Queries on the submission and read paths of jobs and queues, compiled once (they run for every request).</summary>
internal static class StoreQueries
{
    /// <summary>Not Succeeded, Failed or Cancelled: the states in which a job's name is taken.</summary>
    public static readonly Expression<Func<Job, bool>> IsActive =
        j => j.State != JobState.Succeeded && j.State != JobState.Failed && j.State != JobState.Cancelled;

    public static readonly Func<SchedulerDbContext, Guid, CancellationToken, Task<Job?>> JobById =
        EF.CompileAsyncQuery((SchedulerDbContext db, Guid id, CancellationToken _) => db.Jobs.AsNoTracking().FirstOrDefault(j => j.Id == id));

    public static readonly Func<SchedulerDbContext, Guid, CancellationToken, Task<Job?>> TrackedJobById =
        EF.CompileAsyncQuery((SchedulerDbContext db, Guid id, CancellationToken _) => db.Jobs.FirstOrDefault(j => j.Id == id));

    public static readonly Func<SchedulerDbContext, string, CancellationToken, Task<JobQueue?>> QueueByName =
        EF.CompileAsyncQuery((SchedulerDbContext db, string name, CancellationToken _) => db.Queues.AsNoTracking().FirstOrDefault(q => q.Name == name));

    /// <summary>The jobs of queues that <paramref name="teams"/> own; all of them when null.</summary>
    public static IQueryable<Job> OfTeams(SchedulerDbContext db, IQueryable<Job> jobs, IReadOnlyList<string>? teams) =>
        teams is null ? jobs : jobs.Where(j => db.Queues.Any(q => q.Name == j.Queue && q.Team != null && teams.Contains(q.Team)));

    public static Task<Job?> ActiveJobNamedAsync(SchedulerDbContext db, string queue, string name, CancellationToken cancellationToken) =>
        db.Jobs.AsNoTracking().Where(IsActive).FirstOrDefaultAsync(j => j.Queue == queue && j.Name == name, cancellationToken);
}
