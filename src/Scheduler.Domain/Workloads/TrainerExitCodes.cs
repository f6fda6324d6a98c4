namespace Scheduler.Domain.Workloads;

/// <summary>
/// The trainer's exit codes (sysexits.h where one fits), the pod ↔ trainer contract: the trainer exits with them, the operator
/// reads them from the pod (requeue on <see cref="Checkpointed"/>, never retry <see cref="InvalidSpec"/> or <see cref="InvalidData"/>).
/// </summary>
public static class TrainerExitCodes
{
    public const int Finished = 0;

    /// <summary>An unexpected failure (device error, I/O error): the job may be retried.</summary>
    public const int Failed = 1;

    /// <summary>EX_USAGE: the spec, command line or environment is invalid, or asks for something this trainer cannot run. Never retried.</summary>
    public const int InvalidSpec = 64;

    /// <summary>EX_DATAERR: malformed input data (token file). Never retried either: a rerun fails the same way.</summary>
    public const int InvalidData = 65;

    /// <summary>EX_UNAVAILABLE: the requested device (CUDA, cuBLAS) is not present.</summary>
    public const int DeviceUnavailable = 69;

    /// <summary>EX_TEMPFAIL: stopped by SIGTERM after committing a checkpoint; requeue and resume.</summary>
    public const int Checkpointed = 75;
}
