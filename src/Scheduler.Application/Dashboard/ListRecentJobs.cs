using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Scheduler.Application.Common;
using Scheduler.Application.Jobs;
using Scheduler.Persistence;

namespace Scheduler.Application.Dashboard;

/// <summary>The most recently submitted jobs of every queue, newest first (the dashboard's job list).</summary>
/// <remarks>With <paramref name="Teams"/> (private mode), only the jobs of those teams' queues.</remarks>
public sealed record ListRecentJobs(int Limit = ListRecentJobs.DefaultLimit, IReadOnlyList<string>? Teams = null) : IQuery<IReadOnlyList<JobDetails>>
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 500;
}

internal sealed class ListRecentJobsValidator : MessageValidator<ListRecentJobs>
{
    public ListRecentJobsValidator() =>
        RuleFor(m => m.Limit).InclusiveBetween(1, ListRecentJobs.MaxLimit).WithMessage($"must be between 1 and {ListRecentJobs.MaxLimit}");
}

internal sealed class ListRecentJobsHandler(SchedulerDbContext db) : IQueryHandler<ListRecentJobs, IReadOnlyList<JobDetails>>
{
    public async ValueTask<IReadOnlyList<JobDetails>> Handle(ListRecentJobs query, CancellationToken cancellationToken) =>
        (await StoreQueries.OfTeams(db, db.Jobs.AsNoTracking(), query.Teams).OrderByDescending(j => j.CreatedAt).ThenByDescending(j => j.Id).Take(query.Limit).ToListAsync(cancellationToken))
            .Select(JobDetails.From).ToList();
}
