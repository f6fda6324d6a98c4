using Scheduler.Domain.Specs;
using static Scheduler.Testing.Builders.JobSpecBuilder;

namespace Scheduler.Domain.Tests.Specs;

public sealed class JobSpecNormalizerTests
{
    [Fact]
    public void Swiglu_ffn_defaults_to_llama_rounding() =>
        Assert.Equal(11008, JobSpecNormalizer.DefaultFfnHiddenSize(MlpKind.SwiGlu, 4096));

    [Fact]
    public void Fills_data_degree_batch_and_gpus_per_node_from_the_gpu_count()
    {
        var spec = JobSpecNormalizer.Normalize(AJob().Gpus(16).Parallelism(p => p with { Tensor = 2 }).Training(t => t with { GlobalBatchSize = null }).Build());

        Assert.Equal(8, spec.Parallelism!.Data);
        Assert.Equal(8, spec.Training!.GlobalBatchSize);
        Assert.Equal(8, spec.Resources!.GpusPerNode);
        Assert.Equal(12, spec.Model!.KvHeads);
        Assert.Equal(3072, spec.Model.FfnHiddenSize);
    }
}
