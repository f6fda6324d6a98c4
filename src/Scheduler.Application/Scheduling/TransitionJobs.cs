using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Scheduler.Application.Common;
using Scheduler.Application.Jobs;
using Scheduler.Domain.Jobs;
using Scheduler.Persistence;
using Scheduler.Persistence.Jobs;

namespace Scheduler.Application.Scheduling;

/// <summary>One move of a batch: the job, the version the operator decided on, where it goes and why.</summary>
public sealed record JobTransition(Guid JobId, int ExpectedVersion, JobState To, string Reason);

/// <summary>
/// Several jobs moved in one transaction (the operator's Admitted → Running moves of a cycle), each only from the version the
/// operator saw; jobs that moved meanwhile, or whose move the lifecycle forbids, are left out of the answer and unchanged. Only
/// moves to a state that is not final: an ending job settles its budget through <see cref="TransitionJob"/>. The moves are the
/// domain's, written in one statement (<see cref="JobChangesUpdate"/>); should it still meet a concurrent writer's event, every
/// move is made on its own (<see cref="TransitionJob"/>) so the others still are. With
/// <paramref name="LeaderTerm"/> the batch commits only while that term leads (<see cref="LeaderFence"/>): a stale leader's batch
/// is refused whole, as <see cref="AdmitJobs"/> is.
/// </summary>
public sealed record TransitionJobs(IReadOnlyList<JobTransition> Transitions, long? LeaderTerm = null) : ICommand<Result<IReadOnlyList<Guid>>>;

internal sealed class TransitionJobsValidator : MessageValidator<TransitionJobs>
{
    public TransitionJobsValidator() =>
        RuleForEach(m => m.Transitions).ChildRules(t =>
        {
            t.RuleFor(x => x.ExpectedVersion).GreaterThan(0).WithMessage("must be 1 or more");
            t.RuleFor(x => x.To).IsInEnum().WithMessage("must be a job state")
                .Must(to => !JobStateMachine.IsFinal(to)).WithMessage("must not be a final state (use TransitionJob)");
            t.RuleFor(x => x.Reason).NotEmpty().WithMessage("is required").MaximumLength(1024).WithMessage("must be at most 1024 characters");
        });
}

internal sealed class TransitionJobsHandler(SchedulerDbContext db, TimeProvider clock, ISender sender) : ICommandHandler<TransitionJobs, Result<IReadOnlyList<Guid>>>
{
    public async ValueTask<Result<IReadOnlyList<Guid>>> Handle(TransitionJobs command, CancellationToken cancellationToken)
    {
        if (command.Transitions.Count == 0)
        {
            return Result<IReadOnlyList<Guid>>.Success([]);
        }

        var transitions = command.Transitions.GroupBy(t => t.JobId).ToDictionary(g => g.Key, g => g.First());
        var ids = transitions.Keys.ToList();
        var now = clock.StoreNow();
        try
        {
            // Fenced: the term's row is share-locked in the batch's own transaction, so a newer term cannot begin before it commits.
            await using var fence = command.LeaderTerm is null ? null : await db.Database.BeginTransactionAsync(cancellationToken);
            if (fence is not null && await LeaderFence.CurrentTermAsync(db, fence, cancellationToken) is var current && current != command.LeaderTerm)
            {
                return LeaderFence.Stale(command.LeaderTerm!.Value, current);
            }

            // Read untracked and written in one statement (JobChangesUpdate): a burst starts thousands of jobs a cycle.
            var update = JobChangesUpdate.For(db.Model);
            var moves = new List<JobBeforeChange>();
            foreach (var job in await db.Jobs.AsNoTracking().Where(j => ids.Contains(j.Id)).ToListAsync(cancellationToken))
            {
                var transition = transitions[job.Id];
                if (job.Version != transition.ExpectedVersion)
                {
                    continue;
                }

                var before = update.Before(job);
                try
                {
                    job.TransitionTo(transition.To, transition.Reason, now);
                    moves.Add(before);
                }
                catch (IllegalTransitionException)
                {
                    // Refused as TransitionJob refuses it: left as it is.
                }
            }

            var written = await update.ExecuteAsync(db, moves, cancellationToken);
            if (fence is not null)
            {
                await fence.CommitAsync(cancellationToken);
            }

            return Result<IReadOnlyList<Guid>>.Success([.. moves.Select(m => m.Job.Id).Where(written.Contains)]);
        }
        catch (PostgresException ex) when (ex.IsUniqueViolation(ConstraintNames.JobEventKey))
        {
            var moved = new List<Guid>();
            foreach (var t in command.Transitions)
            {
                var result = await sender.Send(new TransitionJob(t.JobId, t.To, t.Reason, t.ExpectedVersion, command.LeaderTerm), cancellationToken);
                if (result.IsSuccess)
                {
                    moved.Add(t.JobId);
                }
                else if (result.Failure.Errors.ContainsKey(LeaderFence.Field))
                {
                    return result.Failure; // a newer term leads: none of the rest may be moved either
                }
            }

            return Result<IReadOnlyList<Guid>>.Success(moved);
        }
    }
}
