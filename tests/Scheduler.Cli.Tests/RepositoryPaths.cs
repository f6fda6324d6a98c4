using Scheduler.Testing;

namespace Scheduler.Cli.Tests;

/// <summary>Folders found by walking up from the test binaries to the repository root (the folder with Scheduler.sln).</summary>
internal static class RepositoryPaths
{
    public static string Root => RepositoryRoot.Path;

    public static string Samples => Path.Combine(Root, "src", "Scheduler.Cli", "Samples");

    /// <summary>The estimator's reference figures, which every checkout carries (docs/benchmarks/data/reference).</summary>
    public static string Reference => Path.Combine(Root, "docs", "benchmarks", "data", "reference");
}
