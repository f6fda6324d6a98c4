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
        { "parallelism.pipeline", s => s with { Parallelism = new ParallelismSpec { Pipeline = 16, Data = 1 }, Resources = s.Resources! with { Gpus = 16, GpusPerNode = 8 } } },
        { "parallelism.virtualStages", s => s with { Parallelism = new ParallelismSpec { VirtualStages = 2 } } },
        { "parallelism.expert", s => s with { Parallelism = new ParallelismSpec { Expert = 2, Data = 1 } } },
        { "parallelism.zeroStage", s => s with { Parallelism = new ParallelismSpec { ZeroStage = 4 } } },
        { "maxRuntime", s => s with { MaxRuntime = "12 hours" } },
        { "container.memory", s => s with { Container = new ContainerSpec { Memory = "lots" } } },
        { "container.memory", s => s with { Container = new ContainerSpec { Memory = "99999999999999999999Gi" } } },
        { "container.memory", s => s with { Container = new ContainerSpec { Memory = "0" } } },
        { "container.cpu", s => s with { Container = new ContainerSpec { Cpu = "100000" } } },
        { "container.shmSize", s => s with { Container = new ContainerSpec { ShmSize = "128Ti" } } },
        { "name", s => s with { Name = "abc\n" } },
        { "container.memory", s => s with { Container = new ContainerSpec { Memory = "64Gi\n" } } },
        { "container.command", s => s with { Container = new ContainerSpec { Command = [.. Enumerable.Repeat("x", 65)] } } },
        { "container.args", s => s with { Container = new ContainerSpec { Args = [.. Enumerable.Repeat("x", 257)] } } },
        { "container.args[0]", s => s with { Container = new ContainerSpec { Args = [new string('x', 8193)] } } },
        { "container.args[1]", s => s with { Container = new ContainerSpec { Args = ["ok", "a\0b"] } } },
        { "container.command[0]", s => s with { Container = new ContainerSpec { Command = ["a\0b"] } } },
        { "container.env", s => s with { Container = new ContainerSpec { Env = new Dictionary<string, string> { ["A"] = "a\0b" } } } },
        { "container.image", s => s with { Container = new ContainerSpec { Image = "img\0:1" } } },
        { "container.args", s => s with { Container = new ContainerSpec { Args = [.. Enumerable.Repeat(new string('x', 8000), 9)] } } },
        { "container.env", s => s with { Container = new ContainerSpec { Env = Enumerable.Range(0, 129).ToDictionary(i => $"V{i}", _ => "x") } } },
        { "container.env", s => s with { Container = new ContainerSpec { Env = new Dictionary<string, string> { ["1ABC"] = "x" } } } },
        { "container.env", s => s with { Container = new ContainerSpec { Env = new Dictionary<string, string> { ["A=B"] = "x" } } } },
        { "container.env", s => s with { Container = new ContainerSpec { Env = new Dictionary<string, string> { ["A\n"] = "x" } } } },
        { "container.env", s => s with { Container = new ContainerSpec { Env = new Dictionary<string, string> { ["SCHEDULER_JOB_ID"] = "x" } } } },
        { "container.env", s => s with { Container = new ContainerSpec { Env = new Dictionary<string, string> { ["MASTER_ADDR"] = "evil" } } } },
        { "container.env", s => s with { Container = new ContainerSpec { Env = new Dictionary<string, string> { ["WORLD_SIZE"] = "1" } } } },
        { "container.env", s => s with { Container = new ContainerSpec { Env = new Dictionary<string, string> { ["X"] = new string('x', 16385) } } } },
        { "container.volumes", s => s with { Container = new ContainerSpec { Volumes = [Volume("a", "/a"), Volume("a", "/b")] } } },
        { "container.volumes", s => s with { Container = new ContainerSpec { Volumes = [Volume("a", "/a"), Volume("b", "/a")] } } },
        { "container.volumes[0].name", s => s with { Container = new ContainerSpec { Volumes = [Volume("shm", "/x")] } } },
        { "container.volumes[0].name", s => s with { Container = new ContainerSpec { Volumes = [Volume("Data", "/x")] } } },
        { "container.volumes[0].mountPath", s => s with { Container = new ContainerSpec { Volumes = [Volume("a", "/dev/shm")] } } },
        { "container.volumes[0].mountPath", s => s with { Container = new ContainerSpec { Volumes = [Volume("a", "/a/../etc")] } } },
        { "container.volumes[0].mountPath", s => s with { Container = new ContainerSpec { Volumes = [Volume("a", "relative")] } } },
        { "container.volumes[0].claimName", s => s with { Container = new ContainerSpec { Volumes = [Volume("a", "/a") with { ClaimName = "Not_A_Claim" }] } } },
        { "container.volumes", s => s with { Container = new ContainerSpec { Volumes = [.. Enumerable.Range(0, 33).Select(i => Volume($"v{i}", $"/v{i}"))] } } },
        { "resources.topologyKey", s => s with { Resources = s.Resources! with { TopologyKey = "not a label" } } },
        { "resources.topologyKey", s => s with { Resources = s.Resources! with { TopologyKey = "example.com/" + new string('a', 64) } } },
        { "resources.topologyKey", s => s with { Resources = s.Resources! with { TopologyKey = "Bad_Prefix/rack" } } },
        { "checkpoint.volume", s => s with { Checkpoint = new CheckpointSpec { Volume = "../etc" } } },
        { "$", s => s with { Container = new ContainerSpec { Env = Enumerable.Range(0, 100).ToDictionary(i => $"V{i}", _ => new string('\u00e9', 600)) } } },
    };

    private static VolumeSpec Volume(string name, string path) => new() { Name = name, ClaimName = "data", MountPath = path };

    public static TheoryData<Func<JobSpec, JobSpec>> Allowed => new()
    {
        s => s with { Resources = s.Resources! with { TopologyKey = "topology.kubernetes.io/zone" } },
        s => s with { Resources = s.Resources! with { TopologyKey = "rack" } },
        s => s with { Container = new ContainerSpec { Env = new Dictionary<string, string> { ["NCCL_DEBUG"] = "INFO", ["my.var-1"] = "x", ["_X"] = "" } } },
        s => s with { Container = new ContainerSpec { Command = ["torchrun"], Args = [.. Enumerable.Repeat("--flag", 256)] } },
        s => s with { Container = new ContainerSpec { Volumes = [Volume("data", "/data"), Volume("weights", "/weights") with { ClaimName = "team.weights-v2" }] } },
        s => s with { Checkpoint = new CheckpointSpec { Volume = "ckpt-research" } },
    };

    [Theory]
    [MemberData(nameof(Allowed))]
    public void Accepts_what_kubernetes_accepts_in_a_pod(Func<JobSpec, JobSpec> change) => Assert.Empty(_validator.Check(change(AJob().Build())));

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
