using System.Diagnostics;
using Scheduler.Application.Dashboard;
using Scheduler.Testing.Builders;

namespace Scheduler.Cli.Tests.Commands;

/// <summary>
/// <c>gpusched top</c> in a real terminal: the built program under tmux against the control plane on a loopback port,
/// the screen read with capture-pane until it shows what the test waits for (or the deadline passes).
/// </summary>
public sealed class TopCommandTests(KestrelControlPlane plane) : IClassFixture<KestrelControlPlane>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Top_redraws_in_place_with_new_jobs_and_quits_on_q()
    {
        if (!File.Exists("/usr/bin/tmux") && !File.Exists("/usr/local/bin/tmux"))
        {
            Assert.Skip("tmux is not installed (.ci/deps.sh installs it)");
        }

        await plane.PutQueueAsync("live");
        plane.Cluster.State = new ClusterSnapshot([new ClusterNode("gpu-a", "A100-80GB", 8, Ready: true, Schedulable: true)], []);
        using var cli = new CliRun();
        var socket = "gpusched-" + Guid.NewGuid().ToString("N")[..8];
        var program = Path.Combine(AppContext.BaseDirectory, "gpusched.dll");
        var command = $"env NO_COLOR=1 GPUSCHED_CONFIG_DIR={cli.Directory} GPUSCHED_TOKEN={plane.AdminToken} dotnet {program} top --server {plane.Url} -n 0.2";
        try
        {
            Tmux(socket, "new-session", "-d", "-s", "top", "-x", "160", "-y", "50", command);
            await WaitForScreenAsync(socket, screen => screen.Contains("live", StringComparison.Ordinal) && screen.Contains("A100-80GB", StringComparison.Ordinal));

            var (code, _, stderr) = await cli.RunAsync(plane, "submit", cli.WriteFile("job.json", JobSpecBuilder.AJob("newcomer").InQueue("live").ToJson()));
            Assert.True(code == 0, stderr);
            // The queue's row gains its queued job: QUEUED goes from 0 to 1 on the same screen.
            await WaitForScreenAsync(socket, screen => screen.Split('\n').Any(line => line.TrimStart().StartsWith("live ", StringComparison.Ordinal) && line.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [_, "1", ..]));

            Tmux(socket, "send-keys", "-t", "top", "q");
            await WaitAsync(() => Tmux(socket, false, "has-session", "-t", "top") != 0, "top did not quit on q");
        }
        finally
        {
            Tmux(socket, false, "kill-server");
        }
    }

    private static async Task WaitForScreenAsync(string socket, Func<string, bool> shows)
    {
        var screen = "";
        await WaitAsync(() =>
        {
            screen = Capture(socket);
            return shows(screen);
        }, () => $"the screen never showed it; last screen:\n{screen}");
    }

    private static Task WaitAsync(Func<bool> done, string message) => WaitAsync(done, () => message);

    private static async Task WaitAsync(Func<bool> done, Func<string> message)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!done())
        {
            Assert.True(stopwatch.Elapsed < Deadline, message());
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    private static string Capture(string socket)
    {
        var start = new ProcessStartInfo("tmux") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-L", socket, "capture-pane", "-p", "-t", "top" })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var text = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return text;
    }

    private static void Tmux(string socket, params string[] args) => Assert.Equal(0, Tmux(socket, true, args));

    private static int Tmux(string socket, bool check, params string[] args)
    {
        var start = new ProcessStartInfo("tmux") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-L");
        start.ArgumentList.Add(socket);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(!check || process.ExitCode == 0, error);
        return process.ExitCode;
    }
}
