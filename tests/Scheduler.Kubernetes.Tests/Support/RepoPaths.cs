using Scheduler.Testing;

namespace Scheduler.Kubernetes.Tests.Support;

/// <summary>Files of the repository the tests read (examples, CRD manifests), found by walking up from the test binary.</summary>
internal static class RepoPaths
{
    public static string Root => RepositoryRoot.Path;

    public static string Of(string relative) => Path.Combine(Root, relative);
}
