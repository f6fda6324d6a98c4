using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Scheduler.Admission;
using Scheduler.Application.Common;
using Scheduler.Domain.Jobs;
using Scheduler.Persistence;
using Scheduler.Persistence.Jobs;

namespace Scheduler.Application.Scheduling;

/// <summary>One placement of a cycle: the job, the version the scheduler decided on, its pods' nodes and the reason.</summary>
public sealed record JobAdmission(Guid JobId, int ExpectedVersion, IReadOnlyList<JobPodPlacement> Placement, string Reason);

/// <summary>What an admitted job became: its new attempt, version and the namespace its pods go to.</summary>
public sealed record AdmittedJob(Guid JobId, JobState State, int Attempt, int Version, string? Namespace);

/// <summary>
/// A cycle's placements in one transaction: each job Queued → Admitted with its placement, at the version the scheduler saw.
/// Jobs that moved meanwhile (another version, or no longer queued) are left out of the answer and unchanged, as
/// <see cref="AdmitJob"/> drops them one by one. The moves are the domain's (<see cref="Job.Admit"/>), written in one statement
/// (<see cref="JobChangesUpdate"/>); should the batch still meet a concurrent writer, every job is admitted on its own
/// (<see cref="AdmitJob"/>) so the others still are. With <paramref name="LeaderTerm"/> the batch commits only while that
/// term leads (<see cref="LeaderFence"/>): a stale leader's batch is refused whole.
/// </summary>
public sealed record AdmitJobs(IReadOnlyList<JobAdmission> Admissions, string DefaultNamespace, long? LeaderTerm = null)
    : ICommand<Result<IReadOnlyList<AdmittedJob>>>;

internal sealed class AdmitJobsValidator : MessageValidator<AdmitJobs>
{
    public AdmitJobsValidator()
    {
        RuleFor(m => m.DefaultNamespace).NotEmpty().WithMessage("is required").MaximumLength(63).WithMessage("must be at most 63 characters");
        RuleForEach(m => m.Admissions).ChildRules(a =>
        {
            a.RuleFor(x => x.ExpectedVersion).GreaterThan(0).WithMessage("must be 1 or more");
            a.RuleFor(x => x.Placement).NotEmpty().WithMessage("names at least one pod");
            a.RuleFor(x => x.Reason).NotEmpty().WithMessage("is required").MaximumLength(1024).WithMessage("must be at most 1024 characters");
        });
    }
}

internal sealed class AdmitJobsHandler(SchedulerDbContext db, TimeProvider clock, ISender sender, Estimator estimator) : ICommandHandler<AdmitJobs, Result<IReadOnlyList<AdmittedJob>>>
{
    public async ValueTask<Result<IReadOnlyList<AdmittedJob>>> Handle(AdmitJobs command, CancellationToken cancellationToken)
    {
        if (command.Admissions.Count == 0)
        {
            return Result<IReadOnlyList<AdmittedJob>>.Success([]);
        }

        var admissions = command.Admissions.GroupBy(a => a.JobId).ToDictionary(g => g.Key, g => g.First());
        var ids = admissions.Keys.ToList();
        var now = clock.StoreNow();
        try
        {
            // One transaction for the placements and their repriced estimates; fenced, it share-locks the term's row, so a newer
            // term cannot begin before it commits.
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            if (command.LeaderTerm is { } term && await LeaderFence.CurrentTermAsync(db, transaction, cancellationToken) is var current && current != term)
            {
                return LeaderFence.Stale(term, current);
            }

            // Read untracked and written in one statement (JobChangesUpdate): a burst admits thousands of jobs a cycle.
            var update = JobChangesUpdate.For(db.Model);
            var moves = new List<JobBeforeChange>();
            foreach (var job in await db.Jobs.AsNoTracking().Where(j => ids.Contains(j.Id)).ToListAsync(cancellationToken))
            {
                var admission = admissions[job.Id];
                if (job.Version != admission.ExpectedVersion)
                {
                    continue; // moved since the scheduler saw it: the decision is dropped, as AdmitJob's conflict drops it
                }

                var before = update.Before(job);
                try
                {
                    job.Admit(admission.Placement, command.DefaultNamespace, admission.Reason, now);
                    moves.Add(before);
                }
                catch (IllegalTransitionException)
                {
                    // Not admissible from its state (AdmitJob answers a conflict): dropped.
                }
            }

            var written = await update.ExecuteAsync(db, moves, cancellationToken);
            var admitted = moves.Select(m => m.Job).Where(j => written.Contains(j.Id)).ToList();

            // In the same transaction as the placement: the operator reads the job's row and its new estimate together.
            await PlacementPricing.RepriceAsync(db, estimator, admitted, cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);

            return Result<IReadOnlyList<AdmittedJob>>.Success([.. admitted.Select(j => new AdmittedJob(j.Id, j.State, j.Attempt, j.Version, j.Namespace))]);
        }
        catch (Exception ex) when (ex is DbUpdateConcurrencyException
            || (ex is DbUpdateException update && update.IsUniqueViolation(ConstraintNames.JobEventKey))
            || (ex is PostgresException postgres && postgres.IsUniqueViolation(ConstraintNames.JobEventKey)))
        {
            db.ChangeTracker.Clear();
            return await OneByOneAsync(command, cancellationToken);
        }
        finally
        {
            db.ChangeTracker.Clear();
        }
    }

    private async Task<Result<IReadOnlyList<AdmittedJob>>> OneByOneAsync(AdmitJobs command, CancellationToken cancellationToken)
    {
        var admitted = new List<AdmittedJob>();
        foreach (var a in command.Admissions)
        {
            var result = await sender.Send(new AdmitJob(a.JobId, a.ExpectedVersion, a.Placement, command.DefaultNamespace, a.Reason, command.LeaderTerm), cancellationToken);
            if (result.IsSuccess)
            {
                admitted.Add(new AdmittedJob(a.JobId, result.Value.State, result.Value.Attempt, result.Value.Version, result.Value.Namespace));
            }
            else if (result.Failure.Errors.ContainsKey(LeaderFence.Field))
            {
                return result.Failure; // a newer term leads: none of the rest may be admitted either
            }
        }

        return Result<IReadOnlyList<AdmittedJob>>.Success(admitted);
    }
}
