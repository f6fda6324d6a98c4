namespace Scheduler.Charts.Tests.Infrastructure;

/// <summary>
/// Helm (from .ci/install-helm.sh) and the npm manifest validator (validator/install.sh), installed under .tools/ once per
/// test run when missing. Without npm the tests that need them skip with the reason; a failing install fails them.
/// </summary>
public sealed class ChartTools : IAsyncLifetime
{
    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(5);

    private string? _helm;
    private string? _helmUnavailable;
    private string? _validator;
    private string? _validatorUnavailable;

    internal ChartRenderer Renderer { get; private set; } = null!;

    /// <summary>The Helm binary, or a skip naming why there is none.</summary>
    internal string Helm => _helm ?? throw SkipOrFail(_helmUnavailable);

    /// <summary>validate.mjs (run with node), or a skip naming why it is unavailable.</summary>
    internal string Validator => _validator ?? throw SkipOrFail(_validatorUnavailable);

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        (_helm, _helmUnavailable) = await InstallAsync(
            RepoPaths.InRoot(".ci", "install-helm.sh"), ["npm", "tar"], "Helm", ct);
        (_validator, _validatorUnavailable) = await InstallAsync(
            RepoPaths.InRoot("tests", "Scheduler.Charts.Tests", "validator", "install.sh"), ["node", "npm"], "the manifest validator", ct);
        Renderer = new ChartRenderer(() => Helm);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static async Task<(string? Path, string? Problem)> InstallAsync(
        string script, string[] prerequisites, string what, CancellationToken cancellationToken)
    {
        var missing = prerequisites.Where(p => !ProcessRunner.IsOnPath(p)).ToList();
        if (missing.Count > 0)
        {
            return (null, $"SKIP: {what} cannot be installed here: {string.Join(", ", missing)} not on PATH (see docs/install.md).");
        }

        var result = await ProcessRunner.RunAsync("bash", [script], InstallTimeout, cancellationToken);
        var path = result.StandardOutput.Trim().Split('\n').LastOrDefault()?.Trim();
        return result.ExitCode == 0 && File.Exists(path)
            ? (path, null)
            : (null, $"FAIL: {script} did not install {what}: {result.Describe()}");
    }

    private static Exception SkipOrFail(string? problem)
    {
        if (problem is not null && problem.StartsWith("SKIP: ", StringComparison.Ordinal))
        {
            Assert.Skip(problem["SKIP: ".Length..]);
        }

        return new InvalidOperationException(problem);
    }
}
