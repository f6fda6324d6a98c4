using Scheduler.Domain.Catalog;
using Scheduler.Domain.Queues;
using Scheduler.Domain.Specs;
using static Scheduler.Testing.Builders.JobSpecBuilder;

namespace Scheduler.Domain.Tests.Specs;

public sealed class DependencyAndArrayRulesTests
{
    private readonly JobSpecValidator _validator = new(GpuCatalog.Default, PriorityClasses.Default);

    [Fact]
    public void Accepts_dependencies_by_id_and_name_a_singleton_and_an_array()
    {
        var spec = AJob("sweep").After(DependencyType.AfterOk, Guid.NewGuid().ToString()).After(DependencyType.AfterNotOk, "prep")
            .Singleton().Array(10_000, 8).Build();

        Assert.Empty(_validator.Check(spec));
    }

    public static TheoryData<string, Func<JobSpec, JobSpec>> Broken => new()
    {
        { "dependencies[0].type", s => s with { Dependencies = [new DependencySpec { Job = "prep" }] } },
        { "dependencies[0].job", s => s with { Dependencies = [new DependencySpec { Type = DependencyType.AfterOk }] } },
        { "dependencies[1].job", s => s with { Dependencies = [new DependencySpec { Type = DependencyType.AfterOk, Job = "prep" }, new DependencySpec { Type = DependencyType.AfterAny, Job = "Not A Job" }] } },
        { "dependencies", s => s with { Dependencies = Enumerable.Range(0, 33).Select(i => new DependencySpec { Type = DependencyType.AfterAny, Job = $"job-{i}" }).ToList() } },
        { "dependencies[0]", s => s with { Dependencies = [null!] } },
        { "array.count", s => s with { Array = new ArraySpec { Count = 0 } } },
        { "array.count", s => s with { Array = new ArraySpec { Count = 10_001 } } },
        { "array.count", s => s with { Array = new ArraySpec { Parallelism = 2 } } },
        { "array.parallelism", s => s with { Array = new ArraySpec { Count = 4, Parallelism = 5 } } },
        { "array.parallelism", s => s with { Array = new ArraySpec { Count = 4, Parallelism = 0 } } },
        { "name", s => s with { Name = new string('a', 61), Array = new ArraySpec { Count = 100 } } },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void Refuses_a_broken_dependency_or_array_naming_the_field(string field, Func<JobSpec, JobSpec> breakIt)
    {
        var errors = _validator.Check(breakIt(AJob().Build()));

        Assert.Contains(errors, e => e.Field == field);
    }

    [Fact]
    public void Normalising_an_array_fills_its_parallelism_with_its_count()
    {
        var spec = JobSpecNormalizer.Normalize(AJob().Array(12).Build());

        Assert.Equal(12, spec.Array!.Parallelism);
    }

    [Fact]
    public void Spec_json_carries_dependency_types_as_slurm_words()
    {
        var json = AJob().After(DependencyType.AfterNotOk, "prep").ToJson();

        Assert.Contains("\"type\":\"afternotok\"", json, StringComparison.Ordinal);
        var (parsed, error) = JobSpecJson.Parse(json);
        Assert.Null(error);
        Assert.Equal(DependencyType.AfterNotOk, parsed!.Dependencies![0].Type);
    }
}
