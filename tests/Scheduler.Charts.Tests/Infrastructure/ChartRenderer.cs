using System.Collections.Concurrent;

namespace Scheduler.Charts.Tests.Infrastructure;

/// <summary>The chart rendered by `helm template`: its objects and the raw text.</summary>
internal sealed record RenderedChart(string Yaml, IReadOnlyList<Manifest> Manifests)
{
    public IEnumerable<Manifest> OfKind(string kind) => Manifests.Where(m => m.Kind == kind);

    public Manifest Single(string kind) =>
        OfKind(kind).ToList() is [var only] ? only : throw new InvalidOperationException($"Expected one {kind}, found {OfKind(kind).Count()}: {string.Join(", ", Manifests)}");

    public Manifest Single(string kind, string name) =>
        Manifests.SingleOrDefault(m => m.Kind == kind && m.Name == name) ?? throw new InvalidOperationException($"No {kind}/{name} among {string.Join(", ", Manifests)}");
}

/// <summary>Runs `helm template` and `helm lint` on charts/gpu-scheduler; renders are cached per argument list.</summary>
internal sealed class ChartRenderer(Func<string> helm)
{
    public const string Release = "sched";
    public const string Namespace = "gpu-system";

    /// <summary>The resource names the chart derives from the release name (release + chart name).</summary>
    public const string FullName = "sched-gpu-scheduler";

    private static readonly TimeSpan HelmTimeout = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, Lazy<Task<RenderedChart>>> _renders = new();

    public Task<RenderedChart> RenderAsync(string valueSet, params string[] extraArguments) =>
        RenderAsync(ValueSet.Named(valueSet), extraArguments);

    public Task<RenderedChart> RenderAsync(ValueSet valueSet, params string[] extraArguments)
    {
        var arguments = TemplateArguments(RepoPaths.Chart, valueSet, extraArguments);
        var helmPath = helm();
        return _renders.GetOrAdd(string.Join('\0', arguments), _ => new Lazy<Task<RenderedChart>>(() => RenderCoreAsync(helmPath, arguments))).Value;
    }

    /// <summary>`helm template` that is expected to fail; returns its error output.</summary>
    public async Task<string> RenderFailureAsync(string valueSet, params string[] extraArguments)
    {
        var result = await RunAsync(helm(), TemplateArguments(RepoPaths.Chart, ValueSet.Named(valueSet), extraArguments));
        Assert.True(result.ExitCode != 0, $"helm template {string.Join(' ', extraArguments)} should have failed but rendered.");
        return result.StandardError;
    }

    /// <summary>`helm template` of <paramref name="chart"/> as release <see cref="Release"/> in <see cref="Namespace"/>.</summary>
    public static string[] TemplateArguments(string chart, ValueSet valueSet, params string[] extraArguments) =>
        ["template", Release, chart, "--namespace", Namespace, .. valueSet.HelmArguments, .. extraArguments];

    public Task<ProcessResult> LintAsync(ValueSet valueSet) =>
        RunAsync(helm(), ["lint", RepoPaths.Chart, "--strict", "--namespace", Namespace, .. valueSet.HelmArguments]);

    public Task<ProcessResult> RunAsync(string helmPath, IEnumerable<string> arguments) =>
        ProcessRunner.RunAsync(helmPath, arguments, HelmTimeout, TestContext.Current.CancellationToken);

    private async Task<RenderedChart> RenderCoreAsync(string helmPath, string[] arguments)
    {
        var result = await RunAsync(helmPath, arguments);
        Assert.True(result.ExitCode == 0, $"helm {string.Join(' ', arguments)} failed: {result.Describe()}");
        var manifests = YamlDocuments.Parse(result.StandardOutput).Select(d => new Manifest(d.Text, d.Json)).ToList();
        return new RenderedChart(result.StandardOutput, manifests);
    }
}
