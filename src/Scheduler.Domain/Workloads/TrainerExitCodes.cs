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

    /// <summary>
    /// What an exit code means in words a person can act on (docs/trainer.md): the trainer's own codes, then the shell's
    /// 128 + signal convention (137 SIGKILL, 143 SIGTERM), else a generic failure of the user's command.
    /// </summary>
    public static string Meaning(int exitCode) => exitCode switch
    {
        Finished => "finished",
        Failed => "the trainer failed unexpectedly (device or I/O error); see the pod's log",
        InvalidSpec => "EX_USAGE: the trainer rejected the spec, command line or environment; fix the spec and resubmit",
        InvalidData => "EX_DATAERR: the trainer could not read its input data; fix the data and resubmit",
        DeviceUnavailable => "EX_UNAVAILABLE: the GPU or its CUDA libraries were not available on the node",
        Checkpointed => "EX_TEMPFAIL: stopped by SIGTERM after committing a checkpoint",
        137 => "killed by SIGKILL (the grace period ran out, or the node killed it)",
        143 => "stopped by SIGTERM without committing a checkpoint",
        > 128 and < 160 => $"killed by signal {exitCode - 128}",
        _ => "the container's command failed; see the pod's log",
    };
}
