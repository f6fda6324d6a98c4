namespace Scheduler.Charts.Tests.Infrastructure;

/// <summary>A values file of charts/gpu-scheduler/ci/ (or the chart's defaults), named without its -values.yaml suffix.</summary>
public sealed record ValueSet(string Name, string? File)
{
    public const string Default = "default";
    public const string ExternalDb = "external-db";
    public const string BundledDb = "bundled-db";
    public const string HaOff = "ha-off";

    public static IReadOnlyList<ValueSet> All { get; } =
    [
        new(Default, null),
        .. Directory.EnumerateFiles(Path.Combine(RepoPaths.Chart, "ci"), "*.yaml")
            .Order(StringComparer.Ordinal)
            .Select(f => new ValueSet(Path.GetFileName(f).Replace("-values.yaml", "", StringComparison.Ordinal).Replace(".yaml", "", StringComparison.Ordinal), f)),
    ];

    /// <summary>Every value set's name, for theories.</summary>
    public static TheoryData<string> Names { get; } = [.. All.Select(v => v.Name)];

    public static ValueSet Named(string name) =>
        All.SingleOrDefault(v => v.Name == name) ?? throw new ArgumentException($"No value set '{name}' under charts/gpu-scheduler/ci/.", nameof(name));

    public IEnumerable<string> HelmArguments => File is null ? [] : ["--values", File];

    public override string ToString() => Name;
}
