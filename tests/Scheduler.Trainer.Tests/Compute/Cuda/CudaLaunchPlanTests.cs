using System.Globalization;
using System.Text;
using Scheduler.Domain.Catalog;
using Scheduler.Trainer.Bench;
using Scheduler.Trainer.Compute.Cuda;
using Scheduler.Trainer.Compute.Ilgpu;
using Scheduler.Trainer.Model;
using Scheduler.Trainer.Training;

namespace Scheduler.Trainer.Tests.Compute.Cuda;

/// <summary>
/// The launch geometry and device memory of one training step of the GPT-2 benchmark shapes (small: micro-batch 8,
/// medium: 4; sequence 1024), as the CUDA backend would make them, against an H100's limits. The real model code drives
/// <see cref="PlanningOps"/>, which evaluates the backend's own geometry functions; nothing is downloaded or allocated.
/// </summary>
public sealed class CudaLaunchPlanTests
{
    // H100 SXM, compute capability 9.0 (CUDA C Programming Guide, "Technical Specifications per Compute Capability").
    private const int MaxThreadsPerBlock = 1024;
    private const long MaxGridX = int.MaxValue;
    private const int MaxStaticSharedPerBlock = 48 * 1024;
    private const int MaxSharedPerBlock = 227 * 1024;
    private const long DeviceMemoryBytes = 80_000_000_000;
    private const int WarpSize = 32;

    /// <summary>What the CUDA context, cuBLAS/cuBLASLt handles and ILGPU's modules take besides our allocations (generous).</summary>
    private const long RuntimeAllowanceBytes = 2L << 30;

    /// <summary>cuBLASLt assumes 256-byte aligned operands unless the preference says otherwise (CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_*).</summary>
    private const int CublasLtAlignment = 256;

    public static TheoryData<string, bool> Shapes() => new() { { "small", true }, { "small", false }, { "medium", true }, { "medium", false } };

    internal static PlanningOps PlanStep(string model, bool bf16, int? microBatch = null)
    {
        var config = TrainerBenchmark.Shape(model);
        var batch = microBatch ?? TrainerBenchmark.DefaultMicroBatch(model);
        var gpu = GpuCatalog.Default.Get("H100-SXM");
        var plan = new TrainingPlan(model, config, 1, batch, batch, bf16, 3e-4, 0, 0.1, 1.0, 1, null, int.MaxValue, gpu.Name, gpu.Bf16Tflops);
        var ops = new PlanningOps();
        using var gpt = new GptModel(ops, new ParameterLayout(config), batch, bf16);
        var tokens = new int[batch * config.SeqLength];
        ops.Fill(gpt.Gradients.View, 0f);
        gpt.ForwardBackward(tokens, tokens, 1f / tokens.Length);
        var norm = Math.Sqrt(ops.SumOfSquares(gpt.Gradients.View));
        AdamWOptimizer.Step(gpt, plan, 1, plan.LearningRateAt(0), norm);
        return ops;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Every_kernel_launch_fits_the_H100_limits(string model, bool bf16)
    {
        var ops = PlanStep(model, bf16);
        var kernels = CudaKernelCatalog.All.ToDictionary(k => k.Name);
        using var compiler = new PtxCompiler();
        var shared = ops.Launches.Select(l => l.Kernel).Distinct().ToDictionary(k => k, k => compiler.Compile(kernels[k], "sm_90").StaticSharedBytes);

        Assert.NotEmpty(ops.Launches);
        Assert.All(ops.Launches, launch =>
        {
            Assert.Equal(kernels[launch.Kernel].Grouping, launch.Grouping);
            Assert.True(launch.Threads > 0, $"{launch.Kernel}: an empty launch is a CUDA launch error");
            if (launch.Grouping == KernelGrouping.Implicit)
            {
                // ILGPU picks a group of at least a warp and at most MaxThreadsPerBlock for these.
                Assert.True((launch.Threads + WarpSize - 1) / WarpSize <= MaxGridX, $"{launch.Kernel}: {launch.Threads} threads need too many groups");
            }
            else
            {
                Assert.InRange(launch.GroupSize, WarpSize, Math.Min(MaxThreadsPerBlock, IlgpuRowKernels.MaxGroupSize));
                Assert.True((launch.GroupSize & (launch.GroupSize - 1)) == 0, $"{launch.Kernel}: the reduction tree needs a power-of-two group, got {launch.GroupSize}");
                Assert.InRange(launch.Groups, 1, MaxGridX);
            }

            Assert.InRange(shared[launch.Kernel], 0, Math.Min(MaxStaticSharedPerBlock, MaxSharedPerBlock));
        });
    }

    /// <summary>
    /// No launch keeps most of the GPU idle while a few threads walk long loops: a launch of less than a quarter wave of
    /// threads loops at most 256 times per thread (cross-entropy's 50,257-wide rows over 256 threads loop 197 times, but
    /// with 7.8 waves). Catches kernels run with one thread per channel that each sum all B·T rows, as the layernorm
    /// parameter gradients and the global norm were. The embedding gradient still is: a known limit (docs/trainer.md),
    /// one launch per micro-batch.
    /// </summary>
    [Theory]
    [MemberData(nameof(Shapes))]
    public void No_launch_leaves_the_GPU_waiting_on_a_few_long_loops(string model, bool bf16)
    {
        const int MaxSerialSteps = 256;
        const long QuarterWave = 132 * 2048 / 4;
        var ops = PlanStep(model, bf16);
        Assert.All(
            ops.Launches.Where(l => l.Kernel != nameof(IlgpuKernels.EmbeddingBackward)),
            launch => Assert.True(
                launch.Threads >= QuarterWave || launch.SerialSteps <= MaxSerialSteps,
                $"{launch.Kernel}: {launch.Threads} threads each loop {launch.SerialSteps} times"));
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Every_cuBLAS_call_has_valid_dimensions_and_stays_inside_its_buffers(string model, bool bf16)
    {
        var ops = PlanStep(model, bf16);
        Assert.NotEmpty(ops.Gemms);
        Assert.All(ops.Gemms, gemm =>
        {
            var g = gemm.Call;
            Assert.True(g.M > 0 && g.N > 0 && g.K > 0 && g.Batch > 0, $"{g}: empty dimension");
            // cuBLAS's rules for column-major operands: the leading dimension covers the stored rows.
            Assert.True(g.Lda >= g.StoredA.Rows, $"{g}: lda {g.Lda} < {g.StoredA.Rows} rows of A");
            Assert.True(g.Ldb >= g.StoredB.Rows, $"{g}: ldb {g.Ldb} < {g.StoredB.Rows} rows of B");
            Assert.True(g.Ldc >= g.M, $"{g}: ldc {g.Ldc} < m {g.M}");
            Assert.True(LastElement(g.StoredA, g.Lda, g.StrideA, g.Batch) < gemm.ALength, $"{g}: A reaches past its {gemm.ALength} elements");
            Assert.True(LastElement(g.StoredB, g.Ldb, g.StrideB, g.Batch) < gemm.BLength, $"{g}: B reaches past its {gemm.BLength} elements");
            Assert.True(LastElement((g.M, g.N), g.Ldc, g.StrideC, g.Batch) < gemm.CLength, $"{g}: C reaches past its {gemm.CLength} elements");
            if (g.Batch > 1)
            {
                Assert.True(g.StrideC >= (long)g.Ldc * g.N, $"{g}: batched outputs overlap");
            }
        });
    }

    [Theory]
    [InlineData(0x7f00_0000_1000L, 256u)]
    [InlineData(0x7f00_0000_1080L, 128u)]
    [InlineData(0x7f00_0000_1004L, 4u)]
    [InlineData(0L, 256u)]
    public void Operand_alignment_for_cuBLASLt_is_the_largest_power_of_two_up_to_256(long address, uint expected) =>
        Assert.Equal(expected, CublasGemm.Alignment((IntPtr)address));

    /// <summary>For the benchmark shapes every operand is 256-byte aligned, so cuBLASLt's whole algorithm set is eligible.</summary>
    [Theory]
    [MemberData(nameof(Shapes))]
    public void Single_GEMM_operands_are_aligned_as_cuBLASLt_assumes(string model, bool bf16)
    {
        var ops = PlanStep(model, bf16);
        Assert.All(ops.Gemms.Where(g => g.Call.Batch == 1), gemm =>
        {
            Assert.Equal(0, gemm.AOffsetBytes % CublasLtAlignment);
            Assert.Equal(0, gemm.BOffsetBytes % CublasLtAlignment);
            Assert.Equal(0, gemm.COffsetBytes % CublasLtAlignment);
        });
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Device_memory_of_a_step_fits_an_80_GB_H100(string model, bool bf16)
    {
        var ops = PlanStep(model, bf16);
        var parameters = new ParameterLayout(TrainerBenchmark.Shape(model)).Count;
        // Weights, gradients and both AdamW moments in fp32 are part of the plan, and activations come on top.
        Assert.True(ops.PeakAllocatedBytes > 16L * parameters, $"the plan ({ops.PeakAllocatedBytes} B) misses the {16L * parameters} B of parameter state");
        Assert.True(
            ops.DeviceBytes + RuntimeAllowanceBytes <= DeviceMemoryBytes,
            $"{model} {(bf16 ? "bf16" : "fp32")}: {ops.DeviceBytes / 1e9:f1} GB planned + {RuntimeAllowanceBytes / 1e9:f1} GB runtime exceed {DeviceMemoryBytes / 1e9:f0} GB");
    }

    [Fact]
    public void A_launch_past_the_32_bit_index_is_refused_not_wrapped()
    {
        // GPT-2 small's logits at micro-batch 48: 48·1024·50257 elements, more than int.MaxValue.
        var error = Assert.Throws<InvalidOperationException>(() => KernelLaunches.Elementwise(48L * 1024 * 50257, nameof(IlgpuKernels.Fill)));
        Assert.Contains("32-bit", error.Message, StringComparison.Ordinal);
        Assert.Equal(int.MaxValue, KernelLaunches.Elementwise(int.MaxValue, nameof(IlgpuKernels.Fill)));
    }

    /// <summary>make check-cuda writes the plan's summary for docs/trainer.md when CUDA_PLAN_REPORT names a file.</summary>
    [Fact]
    public void Plan_summary_is_written_when_asked()
    {
        var path = Environment.GetEnvironmentVariable("CUDA_PLAN_REPORT");
        var text = new StringBuilder("| model | precision | micro-batch | launches / step | GEMMs | device memory (GB) | largest micro-batch in 78 GB |\n|---|---|---|---|---|---|---|\n");
        foreach (var (model, bf16) in new[] { ("small", true), ("small", false), ("medium", true), ("medium", false) })
        {
            var ops = PlanStep(model, bf16);
            var one = PlanStep(model, bf16, 1).DeviceBytes;
            var perSequence = PlanStep(model, bf16, 2).DeviceBytes - one;
            var largest = (DeviceMemoryBytes - RuntimeAllowanceBytes - one) / perSequence + 1;
            text.Append(CultureInfo.InvariantCulture,
                $"| {model} | {(bf16 ? "bf16" : "fp32")} | {TrainerBenchmark.DefaultMicroBatch(model)} | {ops.Launches.Count} | {ops.Gemms.Count} | {ops.DeviceBytes / 1e9:f1} | {largest} |\n");
            Assert.True(perSequence > 0);
        }

        text.Append("\n| kernel (GPT-2 small, bf16) | launches / step | largest launch (threads) | waves of the H100's 132 × 2048 resident threads | longest loop per thread |\n|---|---|---|---|---|\n");
        foreach (var kernel in PlanStep("small", true).Launches.GroupBy(l => l.Kernel))
        {
            var threads = kernel.Max(l => l.Threads);
            text.Append(CultureInfo.InvariantCulture, $"| {kernel.Key} | {kernel.Count()} | {threads:N0} | {threads / (132.0 * 2048):f3} | {kernel.Max(l => l.SerialSteps):N0} |\n");
        }

        if (!string.IsNullOrEmpty(path))
        {
            File.WriteAllText(path, text.ToString());
        }

        Assert.Contains("| small | bf16 |", text.ToString(), StringComparison.Ordinal);
    }

    private static long LastElement((int Rows, int Columns) stored, int ld, long stride, int batch) =>
        (batch - 1) * stride + (long)(stored.Columns - 1) * ld + stored.Rows - 1;
}
