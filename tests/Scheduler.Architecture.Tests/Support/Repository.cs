using System.Diagnostics;
using Scheduler.Testing;

namespace Scheduler.Architecture.Tests.Support;

/// <summary>The checkout the tests run from: its root (the folder with Scheduler.sln) and the files git tracks there.</summary>
internal static class Repository
{
    public static string Root => RepositoryRoot.Path;

    /// <summary>Tracked files relative to the root, with '/' separators (<c>git ls-files</c>): what a clone gets.</summary>
    public static IReadOnlyList<string> TrackedFiles()
    {
        var start = new ProcessStartInfo("git")
        {
            WorkingDirectory = Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "ls-files", "-z" })
        {
            start.ArgumentList.Add(arg);
        }

        using var git = Process.Start(start) ?? throw new InvalidOperationException("git could not be started");
        var stderr = git.StandardError.ReadToEndAsync();
        var stdout = git.StandardOutput.ReadToEnd();
        git.WaitForExit();
        if (git.ExitCode != 0)
        {
            throw new InvalidOperationException($"git ls-files failed in {Root} (these tests need a git checkout): {stderr.Result}");
        }

        return stdout.Split('\0', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>The project files under <paramref name="folder"/> (src or tests), by project name.</summary>
    public static IReadOnlyDictionary<string, string> Projects(string folder) =>
        Directory.EnumerateFiles(Path.Combine(Root, folder), "*.csproj", SearchOption.AllDirectories)
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToDictionary(path => Path.GetFileNameWithoutExtension(path), StringComparer.Ordinal);
}
