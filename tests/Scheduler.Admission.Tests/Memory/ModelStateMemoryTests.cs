using Scheduler.Admission.Tests.Support;
using Scheduler.Domain.Specs;
using Scheduler.Testing.Builders;

namespace Scheduler.Admission.Tests.Memory;

public sealed class ModelStateMemoryTests
{
    private static JobSpecBuilder Llama7B(Precision precision, OptimizerKind optimizer) =>
        JobSpecBuilder.AJob().Model(Jobs.Llama7B).Training(t => t with { Precision = precision, Optimizer = optimizer });

    // Bytes per parameter of weights + gradients + optimizer state (ZeRO paper §3.1; 8-bit Adam: Dettmers et al. 2022).
    [Theory]
    [InlineData(Precision.Bf16, OptimizerKind.AdamW, 16)]    // 2 + 2 + (4 master + 4 + 4)
    [InlineData(Precision.Fp16, OptimizerKind.Adam, 16)]
    [InlineData(Precision.Fp32, OptimizerKind.AdamW, 16)]    // 4 + 4 + 8
    [InlineData(Precision.Bf16Pure, OptimizerKind.AdamW, 8)] // 2 + 2 + 2 + 2
    [InlineData(Precision.Bf16, OptimizerKind.SgdMomentum, 12)]
    [InlineData(Precision.Bf16, OptimizerKind.Sgd, 8)]
    [InlineData(Precision.Fp32, OptimizerKind.Sgd, 8)]
    [InlineData(Precision.Bf16, OptimizerKind.AdamW8Bit, 10.00390625)]
    [InlineData(Precision.Fp8, OptimizerKind.AdamW, 17)]     // plus the fp8 weight copy
    public void Model_state_on_one_gpu_costs_the_precision_and_optimizer_bytes_per_parameter(Precision precision, OptimizerKind optimizer, double bytesPerParameter)
    {
        var estimate = Jobs.Estimate(Llama7B(precision, optimizer));

        Assert.Equal(bytesPerParameter, Jobs.ModelStateBytes(estimate) / estimate.Parameters, 9);
    }

    [Fact]
    public void Adafactor_keeps_factored_second_moments_only()
    {
        var estimate = Jobs.Estimate(Llama7B(Precision.Fp32, OptimizerKind.Adafactor));

        Assert.Equal(4 + 4 + (4 * 2.0 / 4096), Jobs.ModelStateBytes(estimate) / estimate.Parameters, 9);
    }

    // The ZeRO paper's Figure 1 setting: 7.5B parameters, mixed-precision Adam (K = 12), data-parallel degree 64.
    [Theory]
    [InlineData(0, 2 + 2 + 12.0)]
    [InlineData(1, 2 + 2 + (12.0 / 64))]
    [InlineData(2, 2 + ((2 + 12.0) / 64))]
    [InlineData(3, (2 + 2 + 12.0) / 64)]
    public void Zero_stages_partition_optimizer_state_then_gradients_then_weights(int stage, double bytesPerParameter)
    {
        var estimate = Jobs.Estimate(JobSpecBuilder.AJob()
            .With(s => s with { Model = new ModelSpec { Parameters = 7.5e9 } })
            .Training(t => t with { GlobalBatchSize = 64 })
            .Gpus(64)
            .Parallelism(p => p with { Data = 64, ZeroStage = stage }));

        Assert.Equal(bytesPerParameter * 7.5e9, Jobs.ModelStateBytes(estimate), 0);
    }

    [Fact]
    public void Tensor_parallelism_splits_every_matrix()
    {
        var one = Jobs.Estimate(JobSpecBuilder.AJob().Model(Jobs.Llama7B));
        var four = Jobs.Estimate(JobSpecBuilder.AJob().Model(Jobs.Llama7B).Gpus(4).Parallelism(p => p with { Tensor = 4 }));

        Assert.Equal(Jobs.ModelStateBytes(one) / 4, Jobs.ModelStateBytes(four), 0);
    }

    [Fact]
    public void A_pipeline_stage_holds_its_blocks_and_the_larger_embedding()
    {
        var staged = Jobs.Estimate(JobSpecBuilder.AJob().Model(Jobs.Llama7B).Gpus(4).Parallelism(p => p with { Pipeline = 4 }));

        // 8 of 32 blocks (202,383,360 each) plus the output head with the final norm (131,072,000 + 4,096), at 16 B.
        Assert.Equal(16.0 * ((8 * 202_383_360.0) + 131_072_000 + 4096), Jobs.ModelStateBytes(staged), 0);
    }

    [Fact]
    public void Lora_keeps_frozen_16_bit_weights_and_trains_only_the_adapters()
    {
        var lora = Jobs.Estimate(JobSpecBuilder.AJob().Model(Jobs.Llama7B)
            .Training(t => t with { Precision = Precision.Bf16, Finetune = new FinetuneSpec { Method = FinetuneMethod.Lora, LoraRank = 8 } }));
        var m = lora.MemoryPerGpuGiB;

        Assert.Equal((2 * 6_738_415_616.0) + (2 * 4_194_304.0), m.Weights * Jobs.GiB, 0);
        Assert.Equal(2 * 4_194_304.0, m.Gradients * Jobs.GiB, 0);
        Assert.Equal(12 * 4_194_304.0, m.Optimizer * Jobs.GiB, 0);
    }

    [Fact]
    public void Qlora_stores_the_blocks_linear_weights_in_4_bits()
    {
        var spec = JobSpecBuilder.AJob().Model(Jobs.Llama7B);
        var lora = Jobs.Estimate(spec.Training(t => t with { Finetune = new FinetuneSpec { Method = FinetuneMethod.Lora, LoraRank = 8 } }));
        var qlora = Jobs.Estimate(spec.Training(t => t with { Finetune = new FinetuneSpec { Method = FinetuneMethod.QLora, LoraRank = 8 } }));

        // Linear weights of the blocks: 32 · 202,375,168; NF4 with double quantisation is 4.127 bits instead of 16.
        var linear = 32 * 202_375_168.0;
        Assert.Equal(linear * (2 - (4.126953125 / 8)), (lora.MemoryPerGpuGiB.Weights - qlora.MemoryPerGpuGiB.Weights) * Jobs.GiB, 0);
    }

    [Fact]
    public void Offloading_the_optimizer_leaves_no_optimizer_state_on_the_gpu()
    {
        var estimate = Jobs.Estimate(JobSpecBuilder.AJob().Model(Jobs.Llama7B).Gpus(8)
            .Training(t => t with { GlobalBatchSize = 8 })
            .Parallelism(p => p with { ZeroStage = 2, OffloadOptimizer = true }));

        Assert.Equal(0, estimate.MemoryPerGpuGiB.Optimizer);
    }
}
