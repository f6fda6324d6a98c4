namespace Scheduler.Cli;

/// <summary>The documented exit codes (docs/cli.md#exit-codes).</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The request was refused (the server's problem is printed) or the spec is invalid.</summary>
    public const int Refused = 1;

    public const int InvalidSpec = Refused;

    /// <summary>Bad usage: unknown option, missing argument, unreadable file, no server configured.</summary>
    public const int Usage = 2;

    public const int NotFound = 3;

    public const int Unreachable = 4;

    /// <summary><c>submit --wait</c>: the job ended Failed.</summary>
    public const int JobFailed = 5;

    /// <summary><c>submit --wait</c>: the job ended Cancelled.</summary>
    public const int JobCancelled = 6;

    /// <summary>A defect in gpusched itself (EX_SOFTWARE); the message is printed, the stack trace is not.</summary>
    public const int Internal = 70;
}
