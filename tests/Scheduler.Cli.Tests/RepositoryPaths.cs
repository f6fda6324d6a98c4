namespace Scheduler.Cli.Tests;

/// <summary>Folders found by walking up from the test binaries to the repository root (the folder with Scheduler.sln).</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Samples => Path.Combine(Root, "src", "Scheduler.Cli", "Samples");

    /// <summary>docs/benchmarks/data/reference, or null when this checkout has none.</summary>
    public static string? Reference
    {
        get
        {
            var reference = Path.Combine(Root, "docs", "benchmarks", "data", "reference");
            return Directory.Exists(reference) ? reference : null;
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Scheduler.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("the tests do not run inside the repository");
    }
}
