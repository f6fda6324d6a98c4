using Scheduler.Domain.Catalog;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Specs;
using Scheduler.Operator.Store;
using static Scheduler.Testing.Builders.JobSpecBuilder;

namespace Scheduler.Operator.Tests.Store;

public sealed class PredictedRuntimesTests
{
    private static readonly JobId Job = JobId.Parse("0194a2b3-0000-7000-8000-0000000000a1");

    [Fact]
    public void A_stored_estimate_repriced_after_placement_replaces_the_runtime_read_before()
    {
        var runtimes = new PredictedRuntimes(GpuCatalog.Default);
        var spec = JobSpecNormalizer.Normalize(AJob().Build());

        Assert.Equal(TimeSpan.FromHours(2), runtimes.Of(Job, spec, estimatedWallHours: 2));
        Assert.Equal(TimeSpan.FromHours(2.5), runtimes.Of(Job, spec, estimatedWallHours: 2.5));
    }

    [Fact]
    public void Without_a_stored_estimate_the_spec_is_priced_once()
    {
        var runtimes = new PredictedRuntimes(GpuCatalog.Default);
        var spec = JobSpecNormalizer.Normalize(AJob().Build());

        var first = runtimes.Of(Job, spec);

        Assert.NotNull(first);
        Assert.Equal(first, runtimes.Of(Job, JobSpecNormalizer.Normalize(AJob().Training(t => t with { Tokens = 2e9 }).Build())));
    }
}
