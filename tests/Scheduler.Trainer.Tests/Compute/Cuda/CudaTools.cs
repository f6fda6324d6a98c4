using System.Diagnostics;

namespace Scheduler.Trainer.Tests.Compute.Cuda;

/// <summary>
/// ptxas, cuBLAS/cuBLASLt 11 and their headers under .tools/cuda (from <c>.ci/install-cuda-tools.sh</c>, which
/// <c>.ci/deps.sh</c> runs), installed here when missing. On a machine without apt-get and dpkg-deb (not Debian) the tests
/// that need them skip with that reason; a failing install fails them.
/// </summary>
public sealed class CudaTools : IAsyncLifetime
{
    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(10);

    // One install per test process, shared by every class that needs the tools.
    private static readonly Lazy<Task<(string? Root, string? Problem)>> Installed = new(InstallAsync);
    private string? _root;
    private string? _problem;

    /// <summary>The folder holding bin/ptxas, lib/ and include/, or a skip (tools genuinely absent) or failure.</summary>
    public string Root => _root ?? throw SkipOrFail();

    public string Ptxas => Path.Combine(Root, "bin", "ptxas");

    public string Library(string fileName) => Path.Combine(Root, "lib", fileName);

    public string Header(string fileName) => Path.Combine(Root, "include", fileName);

    public static string RepositoryRoot => Scheduler.Testing.RepositoryRoot.Path;

    public async ValueTask InitializeAsync() => (_root, _problem) = await Installed.Value;

    private static async Task<(string? Root, string? Problem)> InstallAsync()
    {
        var missing = new[] { "apt-get", "dpkg-deb", "tar" }.Where(tool => !OnPath(tool)).ToList();
        if (missing.Count > 0)
        {
            return (null, $"SKIP: the CUDA tools cannot be installed here: {string.Join(", ", missing)} not on PATH (a Debian machine is needed; see docs/trainer.md, make check-cuda).");
        }

        var script = Path.Combine(RepositoryRoot, ".ci", "install-cuda-tools.sh");
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(script);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start bash");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(InstallTimeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (null, $"FAIL: {script} did not finish within {InstallTimeout}");
        }

        var root = (await stdout).Trim().Split('\n').LastOrDefault()?.Trim();
        return process.ExitCode == 0 && root is not null && File.Exists(Path.Combine(root, "bin", "ptxas"))
            ? (root, null)
            : (null, $"FAIL: {script} exited {process.ExitCode}:\n{await stderr}");
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private Exception SkipOrFail()
    {
        if (_problem is not null && _problem.StartsWith("SKIP: ", StringComparison.Ordinal))
        {
            Assert.Skip(_problem["SKIP: ".Length..]);
        }

        return new InvalidOperationException(_problem ?? "the CUDA tools were not initialised");
    }

    private static bool OnPath(string command) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, command)));
}
