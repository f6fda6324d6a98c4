using k8s.Models;
using Scheduler.Domain.Workloads;

namespace Scheduler.Operator.Cycle;

/// <summary>How a pod's phase and its trainer's exit code (<see cref="TrainerExitCodes"/>, docs/trainer.md) read.</summary>
public static class PodOutcome
{
    public static bool IsRunning(V1Pod pod) => pod.Status?.Phase == "Running";

    public static bool IsSucceeded(V1Pod pod) => pod.Status?.Phase == "Succeeded";

    public static bool IsFailed(V1Pod pod) => pod.Status?.Phase == "Failed";

    public static bool IsTerminal(V1Pod pod) => IsSucceeded(pod) || IsFailed(pod);

    public static bool IsTerminating(V1Pod pod) => pod.Metadata?.DeletionTimestamp is not null;

    public static bool IsSpecError(int? exitCode) => exitCode is TrainerExitCodes.InvalidSpec or TrainerExitCodes.InvalidData;

    /// <summary>The trainer container's exit code, when it has terminated.</summary>
    public static int? ExitCode(V1Pod pod) =>
        pod.Status?.ContainerStatuses?.Select(s => s.State?.Terminated?.ExitCode).FirstOrDefault(c => c is not null);
}
