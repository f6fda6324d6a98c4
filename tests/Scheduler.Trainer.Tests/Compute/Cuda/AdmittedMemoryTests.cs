using Scheduler.Admission;
using Scheduler.Domain.Catalog;
using Scheduler.Domain.Specs;
using Scheduler.Trainer.Bench;
using Scheduler.Trainer.Tests.Support;
using Scheduler.Trainer.Tests.Training;

namespace Scheduler.Trainer.Tests.Compute.Cuda;

/// <summary>
/// Admission's memory check for jobs the bundled trainer runs (no container.image) against what the trainer allocates:
/// the CUDA backend's plan of a step (<see cref="PlanningOps"/> driven by the real model) plus the runtime allowance.
/// Under-predicting would admit a job bound to run out of memory.
/// </summary>
public sealed class AdmittedMemoryTests
{
    private const double BytesPerGiB = 1024.0 * 1024 * 1024;

    /// <summary>Matches Scheduler.Admission's BundledTrainerMemory.RuntimeGiB and this project's launch-plan allowance.</summary>
    private const double RuntimeGiB = 2;

    public static TheoryData<string, bool, int> Steps() => new()
    {
        { "small", true, 8 }, { "small", false, 8 }, { "small", true, 1 }, { "small", true, 24 },
        { "medium", true, 4 }, { "medium", false, 4 }, { "medium", false, 1 }, { "tiny", true, 2 },
    };

    [Theory]
    [MemberData(nameof(Steps))]
    public void Admission_prices_the_trainers_own_allocations_within_two_percent_and_never_below(string model, bool bf16, int microBatch)
    {
        var planned = (CudaLaunchPlanTests.PlanStep(model, bf16, microBatch).DeviceBytes / BytesPerGiB) + RuntimeGiB;

        var admitted = new Estimator(GpuCatalog.Default).Estimate(Spec(model, bf16, microBatch)).MemoryPerGpuGiB.Total;

        Assert.InRange(admitted, planned, planned * 1.02);
    }

    /// <summary>
    /// Admission prices the trainer's allocations exactly when the trainer would run the job: a spec its loader refuses
    /// (exit 64, before allocating) is priced as the frameworks' model prices it, with or without an image.
    /// </summary>
    [Theory]
    [MemberData(nameof(TrainerSpecLoaderTests.UnsupportedSpecs), MemberType = typeof(TrainerSpecLoaderTests))]
    public void A_spec_the_trainer_refuses_is_priced_as_a_framework_would_run_it(string variant, string field)
    {
        Assert.NotEmpty(field);
        if (variant == "invalid-by-validator")
        {
            return; // refused by validation before admission prices anything
        }

        var spec = JobSpecNormalizer.Normalize(TrainerSpecLoaderTests.Variant(variant).Build());
        var estimator = new Estimator(GpuCatalog.Default);

        Assert.Equal(
            estimator.Estimate(WithImage(spec)).MemoryPerGpuGiB.Total,
            estimator.Estimate(spec).MemoryPerGpuGiB.Total, 9);
    }

    [Fact]
    public void A_spec_the_trainer_runs_is_priced_by_its_allocations()
    {
        var spec = JobSpecNormalizer.Normalize(TinyJob.Spec().Build());
        var estimator = new Estimator(GpuCatalog.Default);

        Assert.NotEqual(estimator.Estimate(WithImage(spec)).MemoryPerGpuGiB.Total, estimator.Estimate(spec).MemoryPerGpuGiB.Total, 6);
    }

    [Fact]
    public void A_job_with_its_own_image_is_priced_as_a_framework_would_run_it()
    {
        var bundled = new Estimator(GpuCatalog.Default).Estimate(Spec("small", true, 8)).MemoryPerGpuGiB.Total;
        var ownImage = new Estimator(GpuCatalog.Default).Estimate(WithImage(Spec("small", true, 8))).MemoryPerGpuGiB.Total;

        // The bundled trainer keeps fp32 activations and the attention probabilities; fused attention in bf16 keeps neither.
        Assert.True(bundled > 1.5 * ownImage, $"bundled trainer {bundled:F1} GiB, own image {ownImage:F1} GiB");
    }

    private static JobSpec WithImage(JobSpec spec) =>
        spec with { Container = (spec.Container ?? new ContainerSpec()) with { Image = "registry.example/team/trainer:1" } };

    private static JobSpec Spec(string model, bool bf16, int microBatch)
    {
        var c = TrainerBenchmark.Shape(model);
        return JobSpecNormalizer.Normalize(new JobSpec
        {
            Name = $"gpt2-{model}",
            Queue = "research",
            Model = new ModelSpec
            {
                Architecture = ModelArchitecture.Decoder,
                Layers = c.Layers,
                HiddenSize = c.HiddenSize,
                Heads = c.Heads,
                KvHeads = c.KvHeads,
                FfnHiddenSize = c.FfnHiddenSize,
                Mlp = MlpKind.Gelu,
                PositionEmbedding = PositionEmbedding.Learned,
                VocabSize = c.VocabSize,
                SeqLength = c.SeqLength,
                TiedEmbeddings = c.TiedEmbeddings,
            },
            Training = new TrainingSpec
            {
                Steps = 1,
                GlobalBatchSize = microBatch,
                MicroBatchSize = microBatch,
                Precision = bf16 ? Precision.Bf16 : Precision.Fp32,
                Optimizer = OptimizerKind.AdamW,
            },
            Resources = new ResourceSpec { GpuType = "H100-SXM", Gpus = 1 },
        });
    }
}
