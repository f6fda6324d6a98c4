using k8s.Models;

namespace Scheduler.Operator.Cycle;

/// <summary>The trainer's documented exit codes (docs/trainer.md) and how a pod's phase reads.</summary>
public static class PodOutcome
{
    public const int Finished = 0;

    /// <summary>Invalid spec, command line or environment: never retried.</summary>
    public const int InvalidSpec = 64;

    /// <summary>Malformed input data (token file): never retried either, a rerun fails the same way.</summary>
    public const int InvalidData = 65;

    /// <summary>Stopped by SIGTERM after committing a checkpoint: requeue and resume.</summary>
    public const int Checkpointed = 75;

    public static bool IsRunning(V1Pod pod) => pod.Status?.Phase == "Running";

    public static bool IsSucceeded(V1Pod pod) => pod.Status?.Phase == "Succeeded";

    public static bool IsFailed(V1Pod pod) => pod.Status?.Phase == "Failed";

    public static bool IsTerminal(V1Pod pod) => IsSucceeded(pod) || IsFailed(pod);

    public static bool IsTerminating(V1Pod pod) => pod.Metadata?.DeletionTimestamp is not null;

    public static bool IsSpecError(int? exitCode) => exitCode is InvalidSpec or InvalidData;

    /// <summary>The trainer container's exit code, when it has terminated.</summary>
    public static int? ExitCode(V1Pod pod) =>
        pod.Status?.ContainerStatuses?.Select(s => s.State?.Terminated?.ExitCode).FirstOrDefault(c => c is not null);
}
