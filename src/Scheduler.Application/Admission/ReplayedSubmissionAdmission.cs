using Mediator;
using Scheduler.Application.Common;
using Scheduler.Application.Jobs;
using Scheduler.Persistence;

namespace Scheduler.Application.Admission;

/// <summary>
/// A submission answered with an existing job (an identical resubmission, an idempotent replay) shows that job's stored
/// estimate and budget hold, as the first answer did.
/// </summary>
internal sealed class ReplayedSubmissionAdmission(SchedulerDbContext db) : IPipelineBehavior<SubmitJob, Result<SubmittedJob>>
{
    public async ValueTask<Result<SubmittedJob>> Handle(SubmitJob message, MessageHandlerDelegate<SubmitJob, Result<SubmittedJob>> next, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(next);
        var result = await next(message, cancellationToken);
        return result is { IsSuccess: true, Value: { Created: false } replayed }
            ? replayed with { Job = await AdmissionRecords.AttachAsync(db, replayed.Job, cancellationToken) }
            : result;
    }
}
