using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Scheduler.Trainer.Tests.Support;

/// <summary>The real trainer executable (copied next to the tests by the project reference), run with <c>dotnet</c>.</summary>
internal static partial class TrainerProcess
{
    public static Process Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Scheduler.Trainer.dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        return Process.Start(info)!;
    }

    public static void SendSigterm(Process process)
    {
        if (Kill(process.Id, 15) != 0)
        {
            throw new InvalidOperationException($"kill({process.Id}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
