using System.Text.Json;
using k8s.Models;
using Scheduler.Domain.Jobs;

namespace Scheduler.Kubernetes.Resources;

/// <summary>What the scheduler reports about a TrainingJob, written only through the status subresource.</summary>
public sealed record TrainingJobStatus
{
    public JobState? Phase { get; init; }

    /// <summary>The job's id in the control plane (the same id REST answers with).</summary>
    public string? JobId { get; init; }

    /// <summary>The <c>metadata.generation</c> of the spec this status describes.</summary>
    public long? ObservedGeneration { get; init; }

    /// <summary>Starts at 1; grows with every requeue after preemption or a retryable failure.</summary>
    public int? Attempt { get; init; }

    /// <summary>Admitted, Scheduled, Running, Preempted, Succeeded, Failed (see <see cref="TrainingJobConditions"/>).</summary>
    public IReadOnlyList<V1Condition>? Conditions { get; init; }

    /// <summary>The admission estimate as the estimator returns it (<c>gpuHours</c>, <c>memoryPerGpuGiB</c>, …).</summary>
    public JsonElement? Estimate { get; init; }

    /// <summary>The estimate's GPU-hours to three significant digits: what <c>kubectl get</c> shows in its Pred-GPU-Hours column.</summary>
    public double? PredictedGpuHours { get; init; }

    public IReadOnlyList<string>? AssignedNodes { get; init; }

    public TrainingJobProgress? Progress { get; init; }

    public long? LastCheckpointStep { get; init; }

    /// <summary>Why the job is not running yet, in words a person can act on.</summary>
    public string? PendingReason { get; init; }

    public DateTimeOffset? StartTime { get; init; }

    public DateTimeOffset? CompletionTime { get; init; }
}

public sealed record TrainingJobProgress
{
    public long? Step { get; init; }

    public long? TotalSteps { get; init; }

    public double? Tokens { get; init; }

    /// <summary>Share of the training done, 0 to 1.</summary>
    public double? Fraction { get; init; }
}
