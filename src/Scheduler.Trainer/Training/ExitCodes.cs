namespace Scheduler.Trainer.Training;

/// <summary>The trainer's exit codes (DESIGN.md: the operator requeues on 75 and never retries 64).</summary>
internal static class ExitCodes
{
    public const int Finished = 0;

    /// <summary>An unexpected failure (device error, I/O error): the job may be retried.</summary>
    public const int Failed = 1;

    /// <summary>EX_USAGE: the spec or the command line is invalid, or asks for something this trainer cannot run. Never retried.</summary>
    public const int InvalidSpec = 64;

    /// <summary>EX_DATAERR: the token file is malformed (odd length, token outside the vocabulary).</summary>
    public const int InvalidData = 65;

    /// <summary>EX_UNAVAILABLE: the requested device (CUDA, cuBLAS) is not present.</summary>
    public const int DeviceUnavailable = 69;

    /// <summary>EX_TEMPFAIL: stopped by SIGTERM after committing a checkpoint; requeue and resume.</summary>
    public const int Preempted = 75;
}
