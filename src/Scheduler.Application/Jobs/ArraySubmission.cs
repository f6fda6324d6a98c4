using Microsoft.EntityFrameworkCore;
using Scheduler.Application.Admission;
using Scheduler.Application.Common;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Specs;
using Scheduler.Persistence;
using Scheduler.Persistence.Jobs;

namespace Scheduler.Application.Jobs;

/// <summary>
/// Stores an array job: <c>array.count</c> tasks sharing one spec, task <c>i</c> named <c>&lt;name&gt;-i</c>, in one statement
/// and one transaction (all tasks or none: a task whose name an active job holds refuses the whole array with 409). The answer
/// is task 0, whose <see cref="JobDetails.ArrayId"/> names the array. The operator admits at most <c>array.parallelism</c>
/// tasks at once (docs/api.md "Arrays").
/// </summary>
internal static class ArraySubmission
{
    /// <summary>The spec task <paramref name="index"/> stores: the array's, under the task's name.</summary>
    public static JobSpec TaskSpec(JobSpec spec, int index) => spec with { Name = JobSpecValidator.TaskName(spec.Name!, index) };

    /// <summary>The name of the job an identical resubmission finds: the spec's own, or task 0's for an array.</summary>
    public static string LookupName(JobSpec spec) => spec.Array is null ? spec.Name! : JobSpecValidator.TaskName(spec.Name!, 0);

    /// <summary>Tasks a submission of <paramref name="spec"/> stores (1 for a job that is no array).</summary>
    public static int TaskCount(JobSpec spec) => spec.Array?.Count ?? 1;

    public static async ValueTask<Result<SubmittedJob>> InsertAsync(
        SchedulerDbContext db, JobSpec spec, AdmissionTicket ticket, DateTimeOffset now, SubmitJob command, CancellationToken cancellationToken)
    {
        var arrayId = Guid.CreateVersion7(now);
        var count = TaskCount(spec);
        var tasks = new List<Job>(count);
        for (var index = 0; index < count; index++)
        {
            tasks.Add(Job.Submit(Guid.CreateVersion7(now), TaskSpec(spec, index), now, command.Origin, command.SubmittedBy, new JobArrayTask(arrayId, index)));
        }

        var rows = tasks.SelectMany(ticket.RowsFor).ToList();
        var insert = NewJobsInsert.For(db.Model);
        // Inside the budget lock's transaction when the queue has a budget (to a savepoint, so a refusal leaves no task there);
        // in one of our own otherwise.
        var outer = db.Database.CurrentTransaction;
        var own = outer is null ? await db.Database.BeginTransactionAsync(cancellationToken) : null;
        if (outer is not null)
        {
            await outer.CreateSavepointAsync(Savepoint, cancellationToken);
        }

        try
        {
            int inserted;
            if (insert is not null && insert.CanWrite(rows))
            {
                inserted = (await insert.ExecuteAsync(db, tasks, rows, cancellationToken)).Count;
            }
            else
            {
                db.Jobs.AddRange(tasks);
                db.AddRange(rows);
                await db.SaveChangesAsync(cancellationToken);
                inserted = count;
            }

            if (inserted < count)
            {
                await RollbackAsync(own, outer, cancellationToken);
                var taken = await db.Jobs.AsNoTracking().Where(StoreQueries.IsActive)
                    .Where(j => j.Queue == spec.Queue && j.Name.StartsWith(spec.Name + "-"))
                    .Select(j => j.Name).FirstOrDefaultAsync(cancellationToken);
                return Failure.Conflict("name", $"an active job named '{taken ?? spec.Name}' in queue '{spec.Queue}' holds the name of one of this array's tasks");
            }

            if (own is not null)
            {
                await own.CommitAsync(cancellationToken);
            }
        }
        catch (DbUpdateException ex) when (ex.IsUniqueViolation(ConstraintNames.ActiveJobName))
        {
            db.ChangeTracker.Clear();
            await RollbackAsync(own, outer, cancellationToken);
            return Failure.Conflict("name", $"an active job in queue '{spec.Queue}' holds the name of one of this array's tasks");
        }
        finally
        {
            if (own is not null)
            {
                await own.DisposeAsync();
            }
        }

        return new SubmittedJob(ticket.Describe(tasks[0]), Created: true);
    }

    private const string Savepoint = "array_tasks";

    private static async ValueTask RollbackAsync(
        Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction? own, Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction? outer, CancellationToken cancellationToken)
    {
        if (own is not null)
        {
            await own.RollbackAsync(cancellationToken);
        }
        else if (outer is not null)
        {
            await outer.RollbackToSavepointAsync(Savepoint, cancellationToken);
        }
    }
}
