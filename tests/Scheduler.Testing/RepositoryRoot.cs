namespace Scheduler.Testing;

/// <summary>The checkout the tests run in: the folder above the test binaries that holds Scheduler.sln.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    /// <summary>A path inside the checkout, from its parts (<c>In("docs", "metrics.md")</c>).</summary>
    public static string In(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

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
