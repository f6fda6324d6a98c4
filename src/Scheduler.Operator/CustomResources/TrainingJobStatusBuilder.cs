using System.Text.Json;
using k8s.Models;
using Scheduler.Application.Jobs;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Specs;
using Scheduler.Kubernetes.Resources;

namespace Scheduler.Operator.CustomResources;

/// <summary>
/// A TrainingJob's status from its job and the job's events: the phase is the job's state; each condition is replayed
/// from the events, so its lastTransitionTime is when the job last moved in or out of the states it stands for.
/// Pure: the same inputs give the same status, which is what keeps the writer from patching in a loop.
/// </summary>
internal static class TrainingJobStatusBuilder
{
    /// <summary>Reported while the spec of an active job was changed and the change was refused.</summary>
    public const string SpecChangeRejected = "SpecChangeRejected";

    public const string InvalidSpecReason = "InvalidSpec";

    /// <summary>Condition types in the order the status lists them.</summary>
    private static readonly string[] Order = [.. TrainingJobConditions.All, SpecChangeRejected];

    public static TrainingJobStatus Build(SyncOutcome outcome, IReadOnlyList<JobEventDetails> events, TrainingJobStatus? previous, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        ArgumentNullException.ThrowIfNull(events);
        var job = outcome.Job;
        var conditions = Replay(events);
        string? pendingReason = null;
        switch (outcome.Problem)
        {
            case { Kind: SyncProblemKind.InvalidSpec } problem when job is null:
                conditions = Keep(previous, TrainingJobConditions.Failed, true, InvalidSpecReason, problem.Message, now);
                break;
            case { Kind: SyncProblemKind.InvalidSpec or SyncProblemKind.SpecChangeRejected } problem:
                conditions = [.. conditions, .. Keep(previous, SpecChangeRejected, true, problem.Kind.ToString(), problem.Message, now)];
                break;
            case { Kind: SyncProblemKind.QueueNotFound or SyncProblemKind.NameTaken or SyncProblemKind.Forbidden or SyncProblemKind.LimitReached } problem when job is null || JobStateMachine.IsFinal(job.State):
                conditions = Keep(previous, TrainingJobConditions.Admitted, false, problem.Kind.ToString(), problem.Message, now);
                pendingReason = problem.Message;
                break;
        }

        var final = job is not null && JobStateMachine.IsFinal(job.State);
        if (pendingReason is null && job is { State: JobState.Queued })
        {
            pendingReason = job.BudgetHold ?? job.PendingReason;
        }

        return new TrainingJobStatus
        {
            Phase = job?.State ?? (outcome.Problem?.Kind == SyncProblemKind.InvalidSpec ? JobState.Failed : null),
            JobId = job?.Id.ToString(),
            ObservedGeneration = outcome.ObservedGeneration,
            Attempt = job is { Attempt: > 0 } ? job.Attempt : null,
            Conditions = conditions.Count == 0 ? null : [.. conditions.OrderBy(c => Array.IndexOf(Order, c.Type))],
            PendingReason = pendingReason,
            Estimate = job?.Estimate is { } estimate ? JsonSerializer.SerializeToElement(estimate, JobSpecJson.Options) : null,
            PredictedGpuHours = job?.Estimate is { } priced ? ThreeSignificantDigits(priced.GpuHours) : null,
            AssignedNodes = job?.Nodes is { Count: > 0 } nodes && !final ? nodes : null,
            Progress = job is null ? null : ProgressOf(job),
            LastCheckpointStep = job?.Measured?.LastCheckpointStep ?? job?.LastCheckpointStep,
            StartTime = events.FirstOrDefault(e => e.To == JobState.Running)?.At is { } started ? Seconds(started) : null,
            CompletionTime = final && events.Count > 0 ? Seconds(events[^1].At) : null,
        };
    }

    /// <summary>True in these states; Admitted is always listed (false while waiting), the others once they were true.</summary>
    private static bool Holds(string type, JobState state) => type switch
    {
        TrainingJobConditions.Admitted or TrainingJobConditions.Scheduled => state is JobState.Admitted or JobState.Running,
        TrainingJobConditions.Running => state == JobState.Running,
        TrainingJobConditions.Preempted => state == JobState.Preempted,
        TrainingJobConditions.Succeeded => state == JobState.Succeeded,
        TrainingJobConditions.Failed => state == JobState.Failed,
        _ => false,
    };

    private static IReadOnlyList<V1Condition> Replay(IReadOnlyList<JobEventDetails> events)
    {
        IReadOnlyList<V1Condition> conditions = [];
        foreach (var e in events)
        {
            foreach (var type in TrainingJobConditions.All)
            {
                var holds = Holds(type, e.To);
                var existing = conditions.FirstOrDefault(c => c.Type == type);
                var wasTrue = existing?.Status == "True";
                // A true condition keeps the reason that made it true; a false one says why it is false now.
                var update = holds ? !wasTrue : wasTrue || type == TrainingJobConditions.Admitted;
                if (update)
                {
                    conditions = TrainingJobConditions.Set(conditions, type, holds, ReasonOf(e), $"The job is {e.To}: {e.Reason}.", Seconds(e.At));
                }
            }
        }

        return conditions;
    }

    /// <summary>
    /// A condition's reason is a CamelCase word by Kubernetes convention: the event's own reason when it is one
    /// (<c>CancelledByUser</c>), or the code it starts with (<c>OOMKilled</c> of <c>OOMKilled: pod … was killed</c>,
    /// <see cref="EndReasons"/>), else the state it led to; the event's words stay in the message.
    /// </summary>
    private static string ReasonOf(JobEventDetails e) =>
        e.Reason.Length is > 0 and <= 128 && char.IsAsciiLetter(e.Reason[0]) && e.Reason.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')
            ? e.Reason
            : EndReasons.CodeOf(e.Reason) ?? e.To.ToString();

    /// <summary>Measured step and tokens from telemetry beside the fraction done; none before the first sample.</summary>
    private static TrainingJobProgress? ProgressOf(JobDetails job) =>
        job.Measured is null && job.Progress <= 0
            ? null
            : new TrainingJobProgress
            {
                Step = job.Measured?.Step,
                Tokens = job.Measured?.Tokens,
                // A spec given in tokens has its step count from the estimate (tokens ÷ (global batch × sequence length)).
                TotalSteps = job.Spec.Training?.Steps ?? job.Estimate?.Steps,
                Fraction = Math.Round(job.Progress, 4),
            };

    /// <summary>One condition set now, keeping its transition time from <paramref name="previous"/> when its status did not flip.</summary>
    private static IReadOnlyList<V1Condition> Keep(TrainingJobStatus? previous, string type, bool status, string reason, string message, DateTimeOffset now) =>
        TrainingJobConditions.Set(previous?.Conditions?.Where(c => c.Type == type).ToList(), type, status, reason, message, Seconds(now));

    /// <summary>A figure for a person to read in a table column (1.69, 0.00423, 184000), not for arithmetic.</summary>
    private static double ThreeSignificantDigits(double value)
    {
        if (value == 0 || !double.IsFinite(value))
        {
            return value;
        }

        var decimals = 2 - (int)Math.Floor(Math.Log10(Math.Abs(value)));
        return decimals >= 0 ? Math.Round(value, Math.Min(decimals, 15)) : Math.Round(value / Math.Pow(10, -decimals)) * Math.Pow(10, -decimals);
    }

    /// <summary>Kubernetes writes times to the second; so do we, so that a status read back compares equal.</summary>
    private static DateTimeOffset Seconds(DateTimeOffset at) => new(at.UtcTicks - (at.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
}
