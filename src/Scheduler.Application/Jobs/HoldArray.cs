using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Scheduler.Application.Common;
using Scheduler.Domain.Jobs;
using Scheduler.Persistence;

namespace Scheduler.Application.Jobs;

/// <summary>
/// Hold (<paramref name="Hold"/> true) or release every queued task of an array at once (<c>scontrol hold|release</c> of an
/// array's id); a single task is held as any job is (<see cref="HoldJob"/>). Tasks already running or ended are left as they
/// are, and repeating the request changes nothing. Each task moves in its own change (<see cref="JobChanges"/>), so a task the
/// operator admits meanwhile is decided again on a fresh read and stays running.
/// </summary>
public sealed record HoldArray(Guid ArrayId, string By, bool Hold) : ICommand<Result<ArrayControlled>>;

/// <summary>How many tasks the array has and how many this request held or released.</summary>
public sealed record ArrayControlled(Guid ArrayId, int Tasks, int Changed);

internal sealed class HoldArrayValidator : MessageValidator<HoldArray>
{
    public HoldArrayValidator() => RuleFor(m => m.By).NotEmpty().WithMessage("is required");
}

internal sealed class HoldArrayHandler(SchedulerDbContext db, TimeProvider clock) : ICommandHandler<HoldArray, Result<ArrayControlled>>
{
    public async ValueTask<Result<ArrayControlled>> Handle(HoldArray command, CancellationToken cancellationToken)
    {
        var result = await ArrayTaskChanges.ApplyAsync(db, command.ArrayId,
            (state, heldBy) => state == JobState.Queued && (heldBy is null) == command.Hold,
            job =>
            {
                if (command.Hold)
                {
                    job.Hold(command.By, clock.StoreNow());
                }
                else
                {
                    job.Release(command.By, clock.StoreNow());
                }
            },
            cancellationToken);
        return result.IsSuccess ? new ArrayControlled(command.ArrayId, result.Value.Tasks, result.Value.Changed) : result.Failure;
    }
}
