using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Scheduler.Application.Admission;
using Scheduler.Application.Common;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Specs;
using Scheduler.Persistence;

namespace Scheduler.Application.Jobs;

/// <summary>Jobs oldest first, optionally of one queue, one state and one array, a page at a time (pass the previous page's cursor).</summary>
/// <remarks>With <paramref name="Teams"/> (private mode), only the jobs of those teams' queues.</remarks>
public sealed record ListJobs(
    string? Queue = null, JobState? State = null, int Limit = ListJobs.DefaultLimit, string? Cursor = null, IReadOnlyList<string>? Teams = null, Guid? Array = null)
    : IQuery<JobPage>
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;
}

/// <summary>One page; <see cref="NextCursor"/> is absent on the last page.</summary>
public sealed record JobPage(IReadOnlyList<JobDetails> Items, string? NextCursor);

internal sealed class ListJobsValidator : MessageValidator<ListJobs>
{
    public ListJobsValidator()
    {
        RuleFor(m => m.Queue).Must(JobSpecValidator.IsDnsLabel).When(m => m.Queue is not null).WithMessage("must be a queue name (a DNS-1123 label)");
        RuleFor(m => m.State).IsInEnum().WithMessage("must be a job state");
        RuleFor(m => m.Limit).InclusiveBetween(1, ListJobs.MaxLimit).WithMessage($"must be between 1 and {ListJobs.MaxLimit}");
        RuleFor(m => m.Cursor).Must(c => JobCursor.TryDecode(c, out _)).When(m => m.Cursor is not null)
            .WithMessage("must be the nextCursor of a previous page");
    }
}

internal sealed class ListJobsHandler(SchedulerDbContext db) : IQueryHandler<ListJobs, JobPage>
{
    public async ValueTask<JobPage> Handle(ListJobs query, CancellationToken cancellationToken)
    {
        var jobs = StoreQueries.OfTeams(db, db.Jobs.AsNoTracking(), query.Teams);
        if (query.Queue is { } queue)
        {
            jobs = jobs.Where(j => j.Queue == queue);
        }

        if (query.Array is { } array)
        {
            jobs = jobs.Where(j => j.ArrayId == array);
        }

        if (query.State is { } state)
        {
            jobs = jobs.Where(j => j.State == state);
        }

        if (JobCursor.TryDecode(query.Cursor, out var after))
        {
            jobs = jobs.Where(j => j.CreatedAt > after.CreatedAt || (j.CreatedAt == after.CreatedAt && j.Id.CompareTo(after.Id) > 0));
        }

        var page = await jobs.OrderBy(j => j.CreatedAt).ThenBy(j => j.Id).Take(query.Limit + 1).ToListAsync(cancellationToken);
        var items = await AdmissionRecords.AttachAllAsync(db, [.. page.Take(query.Limit).Select(JobDetails.From)], cancellationToken);
        var next = page.Count > query.Limit ? new JobCursor(items[^1].CreatedAt, items[^1].Id).Encode() : null;
        return new JobPage(items, next);
    }
}
