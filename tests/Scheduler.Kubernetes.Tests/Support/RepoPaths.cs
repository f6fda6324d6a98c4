namespace Scheduler.Kubernetes.Tests.Support;

/// <summary>Files of the repository the tests read (examples, CRD manifests), found by walking up from the test binary.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Of(string relative) => Path.Combine(Root, relative);

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Scheduler.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Scheduler.sln not found above " + AppContext.BaseDirectory);
    }
}
