using Scheduler.Application.Common;
using Scheduler.Domain.Jobs;

namespace Scheduler.Application.Jobs;

/// <summary>A control a person applies to a job (hold, release, requeue, update), by name for the metrics and the audit.</summary>
public interface IJobControl
{
    Guid JobId { get; }

    /// <summary>The user who asked; recorded in the job's event.</summary>
    string By { get; }

    /// <summary>The control's name (<c>hold</c>, <c>release</c>, <c>requeue</c>, <c>update</c>), the metric's <c>action</c> label.</summary>
    string Action { get; }
}

/// <summary>The refusals the job controls share, each naming the field and the rule.</summary>
internal static class JobControlRules
{
    public static Failure? NotEnded(Job job, string what) => JobStateMachine.IsFinal(job.State)
        ? Failure.Conflict("state", $"the job already ended ({job.State}); it cannot be {what}")
        : null;

    public static Failure? Queued(Job job, string field, string what) => job.State == JobState.Queued
        ? null
        : Failure.Conflict(field, $"only a queued job can be {what}; this one is {job.State}");
}
