namespace Scheduler.Benchmarks.Tests;

/// <summary>The checkout the tests run in: the folder above the test binaries that holds Scheduler.sln.</summary>
internal static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Scheduler.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"the tests do not run inside the repository (no Scheduler.sln above {AppContext.BaseDirectory})");
    }
}
