using Scheduler.Charts.Tests.Infrastructure;

namespace Scheduler.Charts.Tests;

/// <summary>Images cannot be built here (no Docker engine), so every src/**/Dockerfile is checked by reading it.</summary>
public sealed class DockerfileTests
{
    public static TheoryData<string> Dockerfiles { get; } =
    [
        .. Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "src"), "Dockerfile", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(RepoPaths.Root, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal),
    ];

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Dockerfile_pins_its_bases_runs_non_root_and_starts_the_published_assembly(string relativePath)
    {
        var dockerfile = Dockerfile.Parse(relativePath, File.ReadAllText(RepoPaths.InRoot(relativePath)));

        var violations = DockerfileRules.Violations(dockerfile, RepoPaths.Root);

        Assert.True(violations.Count == 0, $"{relativePath}:\n" + string.Join('\n', violations));
    }

    /// <summary>
    /// BuildKit reads `&lt;Dockerfile&gt;.dockerignore` beside the Dockerfile. Without one a built checkout's obj/ (its
    /// project.assets.json names the host's paths) lands over the image's own restore and `publish --no-restore` fails.
    /// </summary>
    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Dockerfile_has_an_ignore_file_beside_it_that_keeps_bin_and_obj_out_of_the_context(string relativePath)
    {
        var ignoreFile = RepoPaths.InRoot(relativePath + ".dockerignore");
        Assert.True(File.Exists(ignoreFile), $"{relativePath} has no {Path.GetFileName(ignoreFile)} beside it");

        var patterns = IgnorePatterns(File.ReadAllText(ignoreFile));

        Assert.Contains("**/bin", patterns);
        Assert.Contains("**/obj", patterns);
        Assert.DoesNotContain(patterns, p => p.StartsWith('!') && (p.Contains("bin", StringComparison.Ordinal) || p.Contains("obj", StringComparison.Ordinal)));
    }

    [Fact]
    public void Every_image_builds_with_the_same_fully_versioned_dotnet_sdk()
    {
        var sdkImages = Dockerfiles
            .SelectMany(path => Dockerfile.Parse(path, File.ReadAllText(RepoPaths.InRoot(path))).Stages.Select(s => (path, s.Image)))
            .Where(s => s.Image.StartsWith("mcr.microsoft.com/dotnet/sdk:", StringComparison.Ordinal))
            .ToList();

        Assert.NotEmpty(sdkImages);
        Assert.All(sdkImages, s => Assert.Matches(@"^mcr\.microsoft\.com/dotnet/sdk:[0-9]+\.[0-9]+\.[0-9]+(-[a-z0-9-]+)?(@sha256:[0-9a-f]{64})?$", s.Image));
        Assert.Single(sdkImages.Select(s => s.Image).Distinct());
    }

    /// <summary>The patterns of a .dockerignore, comments and blank lines left out, a trailing slash dropped.</summary>
    internal static List<string> IgnorePatterns(string text) =>
        [.. text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l => l.TrimEnd('/'))];

    [Fact]
    public void Trainer_image_runs_as_the_numeric_non_root_user_job_pods_are_given()
    {
        var dockerfile = Dockerfile.Parse("trainer", File.ReadAllText(RepoPaths.InRoot("src", "Scheduler.Trainer", "Dockerfile")));
        var values = File.ReadAllText(RepoPaths.InRoot("charts", "gpu-scheduler", "values.yaml"));

        // Numeric, so the kubelet can verify runAsNonRoot; the same UID and GID as scheduler.jobPods (Scheduler:JobPods) by default.
        Assert.Equal("10001:10001", dockerfile.Final.Last("USER")!.Arguments);
        Assert.Contains("    runAsUser: 10001\n    runAsGroup: 10001\n", values, StringComparison.Ordinal);
    }

    [Fact]
    public void Control_plane_image_is_multi_stage_from_the_sdk_to_the_aspnet_runtime()
    {
        var dockerfile = Dockerfile.Parse("api", File.ReadAllText(RepoPaths.InRoot("src", "Scheduler.Api", "Dockerfile")));

        Assert.Contains(DockerfileTests.Dockerfiles, d => d == "src/Scheduler.Api/Dockerfile");
        Assert.StartsWith("mcr.microsoft.com/dotnet/sdk:10.0", dockerfile.Stages.Single(s => s.Alias == "build").Image, StringComparison.Ordinal);
        Assert.StartsWith("mcr.microsoft.com/dotnet/aspnet:10.0", dockerfile.Final.Image, StringComparison.Ordinal);
        Assert.Equal("1654", dockerfile.Final.Last("USER")!.Arguments);
        Assert.Equal(["dotnet", "Scheduler.Api.dll"], Dockerfile.ExecForm(dockerfile.Final.Last("ENTRYPOINT")!.Arguments));
    }

    [Fact]
    public void Control_plane_image_vendors_the_dashboard_assets_with_npm_from_the_lock_file()
    {
        var dockerfile = Dockerfile.Parse("api", File.ReadAllText(RepoPaths.InRoot("src", "Scheduler.Api", "Dockerfile")));
        var assets = dockerfile.Stages.Single(s => s.Alias == "dashboard-assets");
        var build = dockerfile.Stages.Single(s => s.Alias == "build");

        Assert.StartsWith("node:", assets.Image, StringComparison.Ordinal);
        Assert.Contains(assets.All("COPY"), c => c.Arguments.Contains("src/Scheduler.Dashboard/package-lock.json", StringComparison.Ordinal));
        Assert.Contains(assets.All("RUN"), r => r.Arguments.StartsWith("npm ci", StringComparison.Ordinal) && r.Arguments.Contains("npm run --silent vendor", StringComparison.Ordinal));
        // The dashboard project skips its own npm step when this file exists (VendorDashboardAssets in its csproj).
        Assert.Contains(build.All("COPY"), c => c.Arguments == "--from=dashboard-assets /dashboard/wwwroot/vendor/ src/Scheduler.Dashboard/wwwroot/vendor/");
        Assert.Contains("!Exists('wwwroot/vendor/uPlot.iife.min.js')", File.ReadAllText(RepoPaths.InRoot("src", "Scheduler.Dashboard", "Scheduler.Dashboard.csproj")), StringComparison.Ordinal);
    }

    public static TheoryData<string, string> BrokenDockerfiles { get; } = new()
    {
        { Valid.Replace("sdk:10.0.401-noble", "sdk:latest", StringComparison.Ordinal), "base image 'mcr.microsoft.com/dotnet/sdk:latest' is not pinned" },
        { Valid.Replace("aspnet:10.0.12-noble-chiseled", "aspnet", StringComparison.Ordinal), "base image 'mcr.microsoft.com/dotnet/aspnet' is not pinned" },
        { Valid.Replace("USER 1654", "USER root", StringComparison.Ordinal), "the final stage runs as 'root'" },
        { Valid.Replace("USER 1654\n", "", StringComparison.Ordinal), "the final stage sets no USER" },
        { Valid.Replace("""ENTRYPOINT ["dotnet", "Scheduler.Api.dll"]""", "ENTRYPOINT dotnet Scheduler.Api.dll", StringComparison.Ordinal), "ENTRYPOINT on line" },
        { Valid.Replace("Scheduler.Api.dll", "Scheduler.Web.dll", StringComparison.Ordinal), "puts Scheduler.Api.dll at /app/Scheduler.Api.dll" },
        { Valid.Replace("COPY --from=build /app ./", "COPY --from=build /src ./", StringComparison.Ordinal), "does not COPY --from=build the publish output /app" },
        { Valid.Replace("COPY --from=build /app ./", "COPY --from=build /app /opt/app", StringComparison.Ordinal), "at /opt/app/Scheduler.Api.dll" },
        { Valid.Replace("src/Scheduler.Api/Scheduler.Api.csproj -c", "src/Scheduler.Nope/Scheduler.Nope.csproj -c", StringComparison.Ordinal), "is not in the repository" },
    };

    [Theory]
    [MemberData(nameof(BrokenDockerfiles))]
    public void Rules_catch_a_broken_dockerfile(string text, string expected)
    {
        Assert.DoesNotContain(DockerfileRules.Violations(Dockerfile.Parse("valid", Valid), RepoPaths.Root), v => v.Length > 0);

        var violations = DockerfileRules.Violations(Dockerfile.Parse("broken", text), RepoPaths.Root);

        Assert.Contains(violations, v => v.Contains(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("dotnet publish src/A/A.csproj -c Release -o /app", "src/A/A.csproj", "/app")]
    [InlineData("dotnet restore && dotnet publish -c Release --output=/out \"src/B/B.csproj\" && rm -rf /tmp/x", "src/B/B.csproj", "/out")]
    [InlineData("dotnet publish -r linux-x64 --self-contained -o out src/C", "src/C", "out")]
    public void Publish_commands_are_read_whatever_the_option_order(string run, string project, string output)
    {
        Assert.Equal((project, output), DockerfileRules.ParsePublish(run));
    }

    private const string Valid = """
        FROM mcr.microsoft.com/dotnet/sdk:10.0.401-noble AS build
        WORKDIR /src
        COPY . .
        RUN dotnet publish \
              src/Scheduler.Api/Scheduler.Api.csproj -c Release -o /app
        FROM mcr.microsoft.com/dotnet/aspnet:10.0.12-noble-chiseled
        WORKDIR /app
        COPY --from=build /app ./
        USER 1654
        ENTRYPOINT ["dotnet", "Scheduler.Api.dll"]

        """;
}
