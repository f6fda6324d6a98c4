using System.Diagnostics;

namespace Scheduler.Simulation.Tests.Support;

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
        using var process = Start(args);
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, await output, await error);
    }

    /// <summary>Runs a command that does not end by itself (<c>get --watch</c>) until it prints a line that satisfies <paramref name="last"/>.</summary>
    public async Task<List<string>> ReadUntilAsync(Func<string, bool> last, TimeSpan timeout, params string[] args)
    {
        using var process = Start(args);
        var read = new List<string>();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            while (await process.StandardOutput.ReadLineAsync(deadline.Token) is { } line)
            {
                read.Add(line);
                if (last(line))
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            process.Kill();
        }

        return read;
    }

    private Process Start(string[] args)
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

        return Process.Start(start)!;
    }
}
