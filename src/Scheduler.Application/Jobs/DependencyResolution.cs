using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Scheduler.Application.Common;
using Scheduler.Domain.Specs;
using Scheduler.Persistence;

namespace Scheduler.Application.Jobs;

/// <summary>
/// Resolves a submission's <c>dependencies</c> to stored ids before the job is stored, so that the scheduler reads ids only:
/// a job id, an array id (all its tasks), or a name in the job's queue (the newest job of that name, else the newest array
/// whose task 0 is <c>&lt;name&gt;-0</c>). A reference to nothing is 422 naming <c>dependencies[i].job</c>.
/// Cycles: a job can only name jobs that exist before it, so the graph of dependencies grows acyclic; the one cycle a
/// submission can spell is a job (or array) naming itself, refused here with the same field.
/// In private mode (<c>teams</c> given) an id of another team's job reads as absent, like its detail (404): accepted, the
/// dependency told whether that id exists and, by whether the dependant ran, how the job ended.
/// </summary>
internal static class DependencyResolution
{
    public static async ValueTask<Result<JobSpec>> ResolveAsync(SchedulerDbContext db, JobSpec spec, IReadOnlyList<string>? teams, CancellationToken cancellationToken)
    {
        if (spec.Dependencies is not { Count: > 0 } dependencies)
        {
            return spec;
        }

        var resolved = new List<DependencySpec>(dependencies.Count);
        for (var i = 0; i < dependencies.Count; i++)
        {
            var field = string.Create(CultureInfo.InvariantCulture, $"dependencies[{i}].job");
            var reference = dependencies[i].Job!;
            if (string.Equals(reference, spec.Name, StringComparison.Ordinal))
            {
                return Failure.Unprocessable(field, $"names this job itself ('{reference}'): a job cannot wait for itself (a dependency cycle)");
            }

            if (await ResolveOneAsync(db, spec.Queue!, reference, teams, cancellationToken) is not { } id)
            {
                return Failure.Unprocessable(field, Guid.TryParse(reference, out _)
                    ? $"names no job or array with id {reference}"
                    : $"names no job or array called '{reference}' in queue '{spec.Queue}'");
            }

            resolved.Add(dependencies[i] with { Job = id.ToString() });
        }

        return spec with { Dependencies = resolved };
    }

    private static async ValueTask<Guid?> ResolveOneAsync(
        SchedulerDbContext db, string queue, string reference, IReadOnlyList<string>? teams, CancellationToken cancellationToken)
    {
        var jobs = StoreQueries.OfTeams(db, db.Jobs.AsNoTracking(), teams);
        if (Guid.TryParseExact(reference, "D", out var id))
        {
            return await jobs.AnyAsync(j => j.Id == id || j.ArrayId == id, cancellationToken) ? id : null;
        }

        var named = await jobs.Where(j => j.Queue == queue && j.Name == reference)
            .OrderByDescending(j => j.CreatedAt).Select(j => (Guid?)j.Id).FirstOrDefaultAsync(cancellationToken);
        if (named is not null)
        {
            return named;
        }

        var firstTask = JobSpecValidator.TaskName(reference, 0);
        return await jobs.Where(j => j.Queue == queue && j.Name == firstTask && j.ArrayIndex == 0)
            .OrderByDescending(j => j.CreatedAt).Select(j => j.ArrayId).FirstOrDefaultAsync(cancellationToken);
    }
}
