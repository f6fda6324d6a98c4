using System.Text;
using System.Text.RegularExpressions;
using Scheduler.Architecture.Tests.Support;

namespace Scheduler.Architecture.Tests;

/// <summary>
/// A clone gets nothing from beside it: no tracked file may point at the old ../shared folder or at any relative path that climbs
/// out of the repository. This file is the one exception (it has to spell what it looks for), so it names itself.
/// </summary>
public sealed partial class StandaloneRepositoryTests
{
    private const string ThisFile = "tests/Scheduler.Architecture.Tests/StandaloneRepositoryTests.cs";

    [Fact]
    public void No_tracked_file_points_outside_the_repository()
    {
        var files = Repository.TrackedFiles();
        Assert.Contains(ThisFile, files); // if this file moves, the exception above must move with it

        var found = files.Where(f => f != ThisFile).SelectMany(file => Offences(file, Read(file))).ToList();

        Assert.True(found.Count == 0, "Paths that leave the repository:\n" + string.Join('\n', found));
    }

    [Theory]
    [InlineData("docs/benchmarks/scheduler.md", "data in `../shared/traces`")]
    [InlineData("Makefile", "TRACE ?= ../shared/traces/openb_pod_list_default.csv")]
    [InlineData("docs/api.md", "see [the design](../../DESIGN.md)")]
    [InlineData("src/Scheduler.Cli/AccuracyCommand.cs", "var dir = \"../../../elsewhere/reference\";")]
    [InlineData("README.md", "run `cat ..\\notes\\x.md`")]
    [InlineData("tests/Scheduler.X/x.cs", "src/../../../../outside")]
    public void Flags_a_path_that_leaves_the_root(string file, string line)
    {
        Assert.NotEmpty(Offences(file, line));
    }

    [Theory]
    [InlineData("tests/Scheduler.Cli.Tests/Scheduler.Cli.Tests.csproj", "<ProjectReference Include=\"../../src/Scheduler.Cli/Scheduler.Cli.csproj\" />")]
    [InlineData("docs/benchmarks/estimator.md", "formulas: [`docs/admission.md`](../admission.md)")]
    [InlineData("tests/Directory.Build.props", "GetPathOfFileAbove('Directory.Build.props', '$(MSBuildThisFileDirectory)../')")]
    [InlineData("src/Scheduler.Core/Cycle/x.cs", "var tail = items[..^1]; var range = 0..5; // see .../notes")]
    [InlineData("docs/install.md", "see https://example.org/a/../b and /etc/../tmp")]
    [InlineData("README.md", "the shared folder of a team, not ./shared")]
    public void Leaves_paths_inside_the_root_alone(string file, string line)
    {
        Assert.Empty(Offences(file, line));
    }

    /// <summary>Each offence in <paramref name="text"/> of the tracked <paramref name="file"/>: "file:line: path".</summary>
    private static IEnumerable<string> Offences(string file, string text)
    {
        var folder = Path.GetDirectoryName(file)!.Replace('\\', '/');
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Contains("../shared", StringComparison.Ordinal) || lines[i].Contains("..\\shared", StringComparison.Ordinal))
            {
                yield return $"{file}:{i + 1}: names the shared folder beside the checkout";
                continue;
            }

            foreach (Match token in PathToken().Matches(lines[i]))
            {
                if (Climbs(token.Value) && LeavesRoot(folder, token.Value))
                {
                    yield return $"{file}:{i + 1}: {token.Value}";
                }
            }
        }
    }

    /// <summary>A relative path with a ".." segment (absolute paths and URLs are not relative to the file).</summary>
    private static bool Climbs(string token) =>
        token[0] is not ('/' or '\\' or '~') && token.IndexOfAny(['/', '\\']) >= 0 && token.Split('/', '\\').Contains("..", StringComparer.Ordinal);

    /// <summary>Whether the path, read from the file's folder, ends above the repository root (depth below zero).</summary>
    private static bool LeavesRoot(string folder, string path)
    {
        var depth = folder.Length == 0 ? 0 : folder.Split('/').Length;
        foreach (var segment in path.Split('/', '\\'))
        {
            depth += segment switch { ".." => -1, "" or "." => 0, _ => 1 };
            if (depth < 0)
            {
                return true;
            }
        }

        return false;
    }

    private static string Read(string file)
    {
        var bytes = File.ReadAllBytes(Path.Combine(Repository.Root, file));
        // Binary files (images, fonts) hold no paths a reader follows.
        return bytes.AsSpan(0, Math.Min(bytes.Length, 8000)).Contains((byte)0) ? string.Empty : Encoding.UTF8.GetString(bytes);
    }

    /// <summary>A run of path characters; "$(", quotes, spaces and brackets end it. URLs start with a scheme, so their tail starts with '/'.</summary>
    [GeneratedRegex(@"(?<![\w:])[\w.\-/\\@+~]+")]
    private static partial Regex PathToken();
}
