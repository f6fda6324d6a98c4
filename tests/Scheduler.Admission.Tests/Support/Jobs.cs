using Scheduler.Admission.Calibration;
using Scheduler.Domain.Catalog;
using Scheduler.Domain.Specs;
using Scheduler.Testing.Builders;

namespace Scheduler.Admission.Tests.Support;

/// <summary>Model shapes the tests price, and a one-liner to estimate a built spec the way the control plane will.</summary>
internal static class Jobs
{
    public const double GiB = 1024.0 * 1024 * 1024;

    /// <summary>LLaMA-2 7B: 6,738,415,616 parameters.</summary>
    public static ModelSpec Llama7B(ModelSpec m) => m with
    {
        Layers = 32, HiddenSize = 4096, Heads = 32, KvHeads = 32, FfnHiddenSize = 11008, Mlp = MlpKind.SwiGlu,
        PositionEmbedding = PositionEmbedding.Rope, VocabSize = 32000, SeqLength = 2048, TiedEmbeddings = false,
    };

    public static Estimate Estimate(JobSpecBuilder builder, GpuCatalog? catalog = null, MfuTable? calibration = null) =>
        new Estimator(catalog ?? GpuCatalog.Default).Estimate(JobSpecNormalizer.Normalize(builder.Build()), calibration);

    public static double ModelStateBytes(Estimate e) =>
        (e.MemoryPerGpuGiB.Weights + e.MemoryPerGpuGiB.Gradients + e.MemoryPerGpuGiB.Optimizer) * GiB;
}
