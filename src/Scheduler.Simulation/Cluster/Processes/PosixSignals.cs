using System.Runtime.InteropServices;

namespace Scheduler.Simulation.Cluster.Processes;

/// <summary>SIGTERM for a child process (.NET's <c>Process.Kill</c> only sends SIGKILL).</summary>
internal static partial class PosixSignals
{
    private const int SigTerm = 15;

    /// <summary>False when the signal could not be sent (the process is gone, or not on a POSIX system).</summary>
    public static bool Terminate(int pid) => !OperatingSystem.IsWindows() && Kill(pid, SigTerm) == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
