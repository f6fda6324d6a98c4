using System.Reflection;
using System.Xml.Linq;
using NetArchTest.Rules;
using Scheduler.Architecture.Tests.Support;

namespace Scheduler.Architecture.Tests;

/// <summary>
/// The layering of docs/architecture.md, checked twice: on the declared project references (what a project may use) and on the
/// compiled assemblies (what its types do use, transitive references included).
/// </summary>
public sealed class LayeringTests
{
    /// <summary>Namespaces whose use means I/O or a host: pure code (Core, Admission) depends on none of them.</summary>
    private static readonly string[] IoAndHosting =
    [
        "Scheduler.Persistence", "Scheduler.Application", "Scheduler.Kubernetes", "Scheduler.Operator", "Scheduler.Simulation",
        "Scheduler.Api", "Scheduler.Dashboard", "Scheduler.Trainer",
        "Microsoft.EntityFrameworkCore", "Npgsql", "k8s", "Microsoft.AspNetCore", "Microsoft.Extensions.Hosting", "Quartz", "Mediator",
        "System.IO", // files, streams, pipes
        "System.Net", // sockets, HTTP (System.Net.Http), DNS
        "System.Data", // ADO.NET
        "System.Diagnostics.Process", "System.Diagnostics.Stopwatch", // other processes; the clock
        "System.Console", "Microsoft.Win32", // terminal, registry (environment variables: ForbiddenMemberUse, by member)
        "System.Threading.Timer", "System.Timers", "System.TimeProvider", // the clock
    ];

    /// <summary>Production projects that may reference the simulated cluster: the host of <c>make run</c> and the benchmarks.</summary>
    private static readonly HashSet<string> MayReferenceSimulation = new(StringComparer.Ordinal)
    {
        "Scheduler.Api",
        "Scheduler.Benchmarks",
    };

    [Theory]
    [InlineData("Scheduler.Core")]
    [InlineData("Scheduler.Admission")]
    public void Pure_projects_declare_a_reference_to_Domain_and_nothing_else(string project)
    {
        var csproj = XDocument.Load(Repository.Projects("src")[project]);

        var projects = csproj.Descendants("ProjectReference").Select(r => Path.GetFileNameWithoutExtension((string)r.Attribute("Include")!));
        var others = csproj.Descendants().Where(e => e.Name.LocalName is "PackageReference" or "FrameworkReference" or "Reference")
            .Select(e => $"{e.Name.LocalName} {(string?)e.Attribute("Include")}");

        Assert.Equal(["Scheduler.Domain"], projects);
        Assert.Empty(others);
    }

    [Theory]
    [InlineData("Scheduler.Core")]
    [InlineData("Scheduler.Admission")]
    public void Pure_assemblies_use_no_other_project_of_ours_than_Domain(string assembly)
    {
        var ours = Assembly.Load(assembly).GetReferencedAssemblies().Select(a => a.Name!).Where(n => n.StartsWith("Scheduler.", StringComparison.Ordinal));

        Assert.All(ours, name => Assert.Equal("Scheduler.Domain", name)); // Core's types happen to need none of Domain's today
    }

    [Theory]
    [InlineData("Scheduler.Core")]
    [InlineData("Scheduler.Admission")]
    public void Pure_assemblies_do_no_io(string assembly)
    {
        var result = Types.InAssembly(Assembly.Load(assembly)).Should().NotHaveDependencyOnAny(IoAndHosting).GetResult();

        Assert.True(result.IsSuccessful, $"{assembly} types that use I/O or hosting: {Failing(result)}");
    }

    [Theory]
    [InlineData("Scheduler.Core")]
    [InlineData("Scheduler.Admission")]
    public void Pure_assemblies_never_read_the_clock_or_draw_unseeded_randomness(string assembly)
    {
        var calls = ForbiddenMemberUse.In(Assembly.Load(assembly).Location);

        Assert.True(calls.Count == 0, $"{assembly} calls {string.Join(", ", calls)}; take the time or the seed from the snapshot or the caller");
    }

    [Fact]
    public void The_clock_check_finds_a_clock_read_and_an_unseeded_random()
    {
        var calls = ForbiddenMemberUse.In(typeof(LayeringTests).Assembly.Location);

        Assert.Contains("System.DateTime::get_UtcNow", calls);
        Assert.Contains("System.Random::.ctor", calls);
        Assert.Contains("System.Environment::GetEnvironmentVariable", calls);
        Assert.DoesNotContain("System.Environment::get_CurrentManagedThreadId", calls);
    }

    [Fact]
    public void The_dependency_rule_finds_a_use_that_is_there()
    {
        // The operator runs the core's cycle: the same rule that keeps Api off Core must fail on it, or it checks nothing.
        var result = Types.InAssembly(Assembly.Load("Scheduler.Operator")).Should().NotHaveDependencyOn("Scheduler.Core").GetResult();

        Assert.False(result.IsSuccessful);
    }

    [Fact]
    public void The_api_does_not_reference_the_core()
    {
        var declared = XDocument.Load(Repository.Projects("src")["Scheduler.Api"]).Descendants("ProjectReference")
            .Select(r => Path.GetFileNameWithoutExtension((string)r.Attribute("Include")!));
        var result = Types.InAssembly(Assembly.Load("Scheduler.Api")).Should().NotHaveDependencyOn("Scheduler.Core").GetResult();

        Assert.DoesNotContain("Scheduler.Core", declared);
        Assert.True(result.IsSuccessful, $"Scheduler.Api types that use Scheduler.Core: {Failing(result)}");
    }

    [Fact]
    public void Only_the_run_host_and_the_benchmarks_reference_the_simulation_project()
    {
        var referencing = Repository.Projects("src")
            .Where(p => XDocument.Load(p.Value).Descendants("ProjectReference")
                .Any(r => Path.GetFileNameWithoutExtension((string)r.Attribute("Include")!) == "Scheduler.Simulation"))
            .Select(p => p.Key);

        Assert.DoesNotContain(referencing, p => !MayReferenceSimulation.Contains(p));
    }

    [Fact]
    public void No_other_loaded_assembly_of_ours_uses_the_simulation_types()
    {
        // The API host's output holds every production assembly it runs with; a transitive reference counts here too.
        var ours = Directory.EnumerateFiles(AppContext.BaseDirectory, "Scheduler.*.dll")
            .Select(Path.GetFileNameWithoutExtension)
            .Where(n => n is not "Scheduler.Simulation" and not "Scheduler.Architecture.Tests" && !MayReferenceSimulation.Contains(n!))
            .ToList();

        Assert.Contains("Scheduler.Application", ours);
        Assert.All(ours, name =>
        {
            var result = Types.InAssembly(Assembly.Load(name!)).Should().NotHaveDependencyOn("Scheduler.Simulation").GetResult();
            Assert.True(result.IsSuccessful, $"{name} types that use Scheduler.Simulation: {Failing(result)}");
        });
    }

    private static string Failing(NetArchTest.Rules.TestResult result) => string.Join(", ", result.FailingTypeNames ?? []);
}
