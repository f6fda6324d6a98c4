using Scheduler.Testing;

namespace Scheduler.Charts.Tests.Infrastructure;

/// <summary>Paths in the checkout, found by walking up from the test binaries to the directory holding Scheduler.sln.</summary>
internal static class RepoPaths
{
    public static string Root => RepositoryRoot.Path;

    public static string Chart { get; } = Path.Combine(Root, "charts", "gpu-scheduler");

    public static string CrdTemplates { get; } = Path.Combine(Chart, "templates", "crds");

    public static string Dashboards { get; } = Path.Combine(Chart, "dashboards");

    public static string Examples { get; } = Path.Combine(Root, "docs", "examples");

    public static string Tools { get; } = Path.Combine(Root, ".tools");

    public static string InRoot(params string[] parts) => Path.Combine([Root, .. parts]);
}
