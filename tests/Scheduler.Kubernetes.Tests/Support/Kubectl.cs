using System.Diagnostics;

namespace Scheduler.Kubernetes.Tests.Support;

/// <summary>Runs the machine's kubectl against a kubeconfig; tests skip when /usr/bin/kubectl is absent.</summary>
internal sealed class Kubectl(string kubeconfig, string cacheDir)
{
    public const string Path = "/usr/bin/kubectl";

    public static void SkipWhenAbsent()
    {
        if (!File.Exists(Path))
        {
            Assert.Skip($"{Path} is not installed on this machine; the kubectl tests need the real client.");
        }
    }

    public async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo(Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--kubeconfig", kubeconfig, "--cache-dir", cacheDir, "--request-timeout", "20s" }.Concat(args))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, await output, await error);
    }
}
