using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Scheduler.Charts.Tests.Infrastructure;

/// <summary>
/// What every image of the project must satisfy: base images pinned by a version tag or digest, a non-root user in the
/// final stage, an exec-form entrypoint, and an entrypoint naming the assembly that `dotnet publish` of the project
/// writes to the directory the final stage copies in.
/// </summary>
internal static partial class DockerfileRules
{
    public static IReadOnlyList<string> Violations(Dockerfile dockerfile, string repoRoot)
    {
        var violations = new List<string>();
        var aliases = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var stage in dockerfile.Stages)
        {
            if (!aliases.Contains(stage.Image) && !IsPinned(stage.Image))
            {
                violations.Add($"base image '{stage.Image}' is not pinned by a version tag or digest");
            }

            if (stage.Alias is not null)
            {
                aliases.Add(stage.Alias);
            }
        }

        if (dockerfile.Stages.Count == 0)
        {
            return ["no FROM instruction"];
        }

        var final = dockerfile.Final;
        var user = final.Last("USER")?.Arguments.Split(':')[0];
        if (user is null or "root" or "0")
        {
            violations.Add(user is null ? "the final stage sets no USER (it would run as root)" : $"the final stage runs as '{user}'");
        }

        foreach (var keyword in new[] { "ENTRYPOINT", "CMD" })
        {
            if (final.Last(keyword) is { } instruction && Dockerfile.ExecForm(instruction.Arguments) is null)
            {
                violations.Add($"{keyword} on line {instruction.Line} is in shell form; use the exec (JSON array) form");
            }
        }

        var entrypoint = final.Last("ENTRYPOINT") is { } e ? Dockerfile.ExecForm(e.Arguments) : null;
        if (entrypoint is null || entrypoint.Count == 0)
        {
            violations.Add("the final stage has no exec-form ENTRYPOINT");
            return violations;
        }

        violations.AddRange(EntrypointViolations(dockerfile, entrypoint, repoRoot));
        return violations;
    }

    private static IEnumerable<string> EntrypointViolations(Dockerfile dockerfile, IReadOnlyList<string> entrypoint, string repoRoot)
    {
        var publishes = dockerfile.Stages
            .SelectMany(stage => stage.All("RUN").Select(run => (stage, publish: ParsePublish(run.Arguments))))
            .Where(p => p.publish is not null)
            .ToList();
        if (publishes.Count != 1)
        {
            yield return $"expected one `dotnet publish <project> -o <dir>`, found {publishes.Count}";
            yield break;
        }

        var buildStage = publishes[0].stage;
        var (projectArgument, outputArgument) = publishes[0].publish!.Value;

        var project = ResolveProject(repoRoot, projectArgument);
        if (project is null)
        {
            yield return $"published project '{projectArgument}' is not in the repository";
            yield break;
        }

        var assembly = AssemblyName(project);
        var output = Absolute(WorkDir(buildStage), outputArgument);
        var final = dockerfile.Final;
        var copy = final.All("COPY")
            .Select(c => CopyFromPattern().Match(c.Arguments))
            .FirstOrDefault(m => m.Success && m.Groups["stage"].Value == buildStage.Alias && Absolute(WorkDir(buildStage), m.Groups["source"].Value) == output);
        if (copy is null)
        {
            yield return $"the final stage does not COPY --from={buildStage.Alias} the publish output {output}";
            yield break;
        }

        var installed = Absolute(WorkDir(final), copy.Groups["destination"].Value);
        var (entry, expected) = entrypoint[0] == "dotnet"
            ? (entrypoint.Count > 1 ? entrypoint[1] : "", $"{assembly}.dll")
            : (entrypoint[0], assembly);
        var entryPath = Absolute(WorkDir(final), entry);
        if (entryPath != $"{installed}/{expected}")
        {
            yield return $"ENTRYPOINT runs {entryPath}, but publishing {Path.GetFileName(project)} puts {expected} at {installed}/{expected}";
        }
    }

    /// <summary>The project and output directory of a `dotnet publish` in a RUN command; null when there is none or no -o.</summary>
    internal static (string Project, string Output)? ParsePublish(string run)
    {
        var publish = PublishCommand().Match(run);
        if (!publish.Success)
        {
            return null;
        }

        var tokens = publish.Groups["args"].Value.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries).Select(t => t.Trim('"', '\'')).ToList();
        string? project = null;
        string? output = null;
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (token is "-o" or "--output" && i + 1 < tokens.Count)
            {
                output = tokens[++i];
            }
            else if (token.StartsWith("--output=", StringComparison.Ordinal))
            {
                output = token["--output=".Length..];
            }
            else if (OptionsWithValue.Contains(token))
            {
                i++;
            }
            else if (!token.StartsWith('-'))
            {
                project ??= token;
            }
        }

        return project is not null && output is not null ? (project, output) : null;
    }

    private static readonly HashSet<string> OptionsWithValue =
        ["-c", "--configuration", "-r", "--runtime", "-f", "--framework", "-a", "--arch", "--os", "-v", "--verbosity", "--version-suffix"];

    /// <summary>A registry image with a tag that names a version (not latest) or with a digest.</summary>
    public static bool IsPinned(string image)
    {
        if (image.Contains("@sha256:", StringComparison.Ordinal))
        {
            return true;
        }

        var lastSegment = image[(image.LastIndexOf('/') + 1)..];
        var colon = lastSegment.IndexOf(':', StringComparison.Ordinal);
        return colon >= 0 && VersionTag().IsMatch(lastSegment[(colon + 1)..]);
    }

    private static string WorkDir(DockerStage stage) => stage.All("WORKDIR").Aggregate("/", (dir, w) => Absolute(dir, w.Arguments));

    private static string Absolute(string workDir, string path)
    {
        var combined = path.StartsWith('/') ? path : $"{workDir.TrimEnd('/')}/{path}";
        var parts = new List<string>();
        foreach (var part in combined.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == "..")
            {
                parts.RemoveAt(parts.Count - 1);
            }
            else if (part != ".")
            {
                parts.Add(part);
            }
        }

        return "/" + string.Join('/', parts);
    }

    /// <summary>The project a publish path names, tried relative to the repository (the build context).</summary>
    private static string? ResolveProject(string repoRoot, string projectArgument)
    {
        var relative = projectArgument.TrimStart('/');
        foreach (var candidate in new[] { relative, string.Join('/', relative.Split('/').Skip(1)) })
        {
            var path = Path.Combine(repoRoot, candidate);
            if (File.Exists(path) && path.EndsWith(".csproj", StringComparison.Ordinal))
            {
                return path;
            }

            if (Directory.Exists(path) && Directory.GetFiles(path, "*.csproj") is [var only])
            {
                return only;
            }
        }

        return null;
    }

    private static string AssemblyName(string project)
    {
        var name = XDocument.Load(project).Descendants("AssemblyName").LastOrDefault()?.Value;
        return string.IsNullOrWhiteSpace(name) ? Path.GetFileNameWithoutExtension(project) : name;
    }

    [GeneratedRegex(@"dotnet\s+publish\s+(?<args>[^;&|]*)")]
    private static partial Regex PublishCommand();

    [GeneratedRegex(@"^(?:--\S+\s+)*?--from=(?<stage>\S+)\s+(?:--\S+\s+)*(?<source>\S+)\s+(?<destination>\S+)$")]
    private static partial Regex CopyFromPattern();

    [GeneratedRegex(@"^v?[0-9]+(\.[0-9]+)*([-.][A-Za-z0-9.-]+)?$")]
    private static partial Regex VersionTag();
}
