using Scheduler.Domain.Catalog;
using Scheduler.Domain.Queues;
using Scheduler.Domain.Specs;
using static Scheduler.Testing.Builders.JobSpecBuilder;

namespace Scheduler.Domain.Tests.Specs;

public sealed class JobSpecValidatorTests
{
    private readonly JobSpecValidator _validator = new(GpuCatalog.Default, PriorityClasses.Default);

    [Fact]
    public void Accepts_the_default_builder_spec() => Assert.Empty(_validator.Check(AJob().Build()));

    public static TheoryData<string, Func<JobSpec, JobSpec>> Broken => new()
    {
        { "name", s => s with { Name = "Not_A_Label" } },
        { "name", s => s with { Name = new string('a', 64) } },
        { "queue", s => s with { Queue = null } },
        { "priorityClass", s => s with { PriorityClass = "urgent" } },
        { "model.hiddenSize", s => s with { Model = s.Model! with { HiddenSize = 770 } } },
        { "model.kvHeads", s => s with { Model = s.Model! with { KvHeads = 5 } } },
        { "model.layers", s => s with { Model = s.Model! with { Layers = 0 } } },
        { "training.tokens", s => s with { Training = s.Training! with { Tokens = 1e30 } } },
        { "training.tokens", s => s with { Training = s.Training! with { Tokens = null } } },
        { "training.microBatchSize", s => s with { Training = s.Training! with { MicroBatchSize = 16 } } },
        { "resources.gpus", s => s with { Resources = s.Resources! with { Gpus = 0 } } },
        { "resources.gpus", s => s with { Resources = s.Resources! with { Gpus = -4 } } },
        { "resources.gpuType", s => s with { Resources = s.Resources! with { GpuType = "A100-80GB|Z80" } } },
        { "resources.gpuMilli", s => s with { Resources = s.Resources! with { Gpus = 2, GpuMilli = 500 } } },
        { "parallelism", s => s with { Parallelism = new ParallelismSpec { Data = 2, Tensor = 2 } } },
        { "parallelism.pipeline", s => s with { Parallelism = new ParallelismSpec { Pipeline = 5, Data = 1 }, Resources = s.Resources! with { Gpus = 5, GpusPerNode = 5 } } },
        { "parallelism.zeroStage", s => s with { Parallelism = new ParallelismSpec { ZeroStage = 4 } } },
        { "maxRuntime", s => s with { MaxRuntime = "12 hours" } },
        { "container.memory", s => s with { Container = new ContainerSpec { Memory = "lots" } } },
        { "container.memory", s => s with { Container = new ContainerSpec { Memory = "99999999999999999999Gi" } } },
        { "container.memory", s => s with { Container = new ContainerSpec { Memory = "0" } } },
        { "container.cpu", s => s with { Container = new ContainerSpec { Cpu = "100000" } } },
        { "container.shmSize", s => s with { Container = new ContainerSpec { ShmSize = "128Ti" } } },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void Names_the_field_whose_rule_is_broken(string field, Func<JobSpec, JobSpec> breakIt)
    {
        var errors = _validator.Check(breakIt(AJob().Build()));

        Assert.Contains(errors, e => e.Field == field);
    }

    [Fact]
    public void Unknown_gpu_type_lists_the_known_ones()
    {
        var errors = _validator.Check(AJob().Gpus(1, "Z80").Build());

        var error = Assert.Single(errors);
        Assert.Contains("H100-SXM", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_micro_batch_times_data_degree_past_32_bits_is_refused_not_divided_by_zero()
    {
        // 67108864 × 64 = 2^32: multiplied as int it wrapped to 0 and the modulo threw DivideByZeroException.
        var spec = AJob().Gpus(64).Training(t => t with { GlobalBatchSize = 67_108_864, MicroBatchSize = 67_108_864 })
            .Parallelism(p => p with { Data = 64 }).Build();

        var errors = _validator.Check(spec);

        Assert.Contains(errors, e => e.Field == "training.globalBatchSize");
    }

    [Fact]
    public void Degrees_whose_product_overflows_int_are_refused_with_the_field_named()
    {
        var spec = AJob().Gpus(100_000).Parallelism(p => p with { Data = 100_000, Tensor = 100_000, Pipeline = 100_000 }).Build();

        var errors = _validator.Check(spec);

        Assert.Contains(errors, e => e.Field == "parallelism");
    }
}
