using Scheduler.Admission.Model;
using Scheduler.Domain.Specs;

namespace Scheduler.Admission.Memory;

/// <summary>
/// Device memory of the bundled trainer (a job without <c>container.image</c>), in GiB: what its <c>GptModel</c> and
/// cuBLAS backend allocate, once, before the first step. It differs from what <see cref="MemoryModel"/> prices for frameworks:
/// every activation is kept in fp32 (bf16 mode rounds each matmul's inputs into two scratch buffers instead), the
/// attention probabilities are materialised (b·a·s² values per layer, and model-wide the scores and two gradient
/// buffers of that size), activation checkpointing and the attention kernel are accepted and ignored, and nothing is
/// allocated during a step, so there is no allocator fragmentation to allow for. With n = b·s tokens per micro-batch,
/// in fp32 values:
/// <list type="bullet">
/// <item>per layer: norms, QKV, Q, K, V, heads, attention output, residual midpoint, second norm (7h + 4·h_kv), the MLP's
/// input and GELU (2f), four norm statistics, times n; plus the probabilities;</item>
/// <item>model-wide: L + 1 residual streams, the final norm, the projection scratch and six backward scratch buffers of
/// n·h; two of n·f; three of n·h_kv (two) and the QKV gradient; the logits n·V; the scores and their two gradients;
/// token ids, targets, losses and the final norm's statistics;</item>
/// <item>weights, gradients and both AdamW moments in fp32: 16 bytes per parameter of the trainer's layout (no linear
/// biases; norms with gain and bias);</item>
/// <item>cuBLASLt's 32 MiB workspace; in bf16, the two conversion buffers at the largest matmul inputs (the logits'
/// gradient or the probabilities; the output head, an MLP weight or activation); the reductions' partial sums;</item>
/// <item><see cref="RuntimeGiB"/> for the CUDA context, the cuBLAS/cuBLASLt handles and ILGPU's kernels.</item>
/// </list>
/// Tests in Scheduler.Trainer.Tests (<c>AdmittedMemoryTests</c>) hold this within 2% of the trainer's own allocation plan
/// and never below it, and <see cref="Runs"/> to the trainer's own refusals.
/// </summary>
internal static class BundledTrainerMemory
{
    /// <summary>The CUDA context, cuBLAS handles and ILGPU modules besides the trainer's own allocations (generous).</summary>
    public const double RuntimeGiB = 2;

    private const double WorkspaceBytes = 32 << 20;

    private const double GlobalNormParts = 131072;

    private const double LayerNormChunkRows = 64;

    private const double BytesPerGiB = 1024.0 * 1024 * 1024;

    /// <summary>
    /// Whether the bundled trainer runs this job as set up: no image of its own, and only what the trainer implements
    /// (Scheduler.Trainer's spec loader refuses the rest with exit 64 before allocating anything).
    /// </summary>
    public static bool Runs(ModelShape shape, TrainingSetup setup)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(setup);
        return setup.BundledTrainer
            && shape is { Inferred: false, Architecture: ModelArchitecture.Decoder, Mlp: MlpKind.Gelu, Position: PositionEmbedding.Learned, IsMoe: false }
            && setup.Precision is Precision.Fp32 or Precision.Bf16
            && setup is
            {
                Optimizer: OptimizerKind.AdamW, Method: FinetuneMethod.Full, Tensor: 1, Pipeline: 1, Context: 1, Expert: 1, ZeroStage: 0,
                SequenceParallel: false, OffloadOptimizer: false, Kernels: ElementwiseKernels.Standard,
                Schedule: PipelineSchedule.OneForwardOneBackward, VirtualStages: 1,
            };
    }

    /// <summary>
    /// Whether the bundled trainer would run the job once laid out as it lays jobs out (data parallelism only, no ZeRO,
    /// offload, sequence parallelism or pipeline schedule): the model, precision, optimizer and kernels are its own.
    /// </summary>
    public static bool RunsDataParallel(ModelShape shape, TrainingSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        return Runs(shape, setup with
        {
            Tensor = 1, Pipeline = 1, Context = 1, Expert = 1, ZeroStage = 0, SequenceParallel = false, OffloadOptimizer = false,
            Schedule = PipelineSchedule.OneForwardOneBackward, VirtualStages = 1,
        });
    }

    public static MemoryBreakdown PerGpu(ModelShape shape, TrainingSetup setup)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(setup);
        const double fp32 = 4;
        double n = setup.MicroBatch * (double)shape.SeqLength;
        double h = shape.Hidden, kv = shape.KvHidden, f = shape.FfnHidden, vocab = shape.Vocab, layers = shape.Layers;
        var probabilities = setup.MicroBatch * (double)shape.Heads * shape.SeqLength * shape.SeqLength;
        var perLayer = (n * ((7 * h) + (4 * kv) + (2 * f) + 4)) + probabilities;
        var modelWide = (n * h * (layers + 9)) + (n * vocab) + (3 * probabilities) + (2 * n * f) + (4 * n * kv) + (5 * n);
        var activations = fp32 * ((layers * perLayer) + modelWide);
        var scratch = setup.Precision == Precision.Bf16
            ? 2 * (Math.Max(Math.Max(n * vocab, probabilities), n * f) + Math.Max(Math.Max(vocab * h, n * f), f * h))
            : 0;
        // The global norm's fp64 partial sums, and the layernorm parameter gradients' fp32 partials per 64-row chunk.
        var partials = (GlobalNormParts * 8.0) + (Math.Ceiling(n / LayerNormChunkRows) * 2 * h * fp32);
        var state = fp32 * Parameters(shape);
        return new MemoryBreakdown(
            state / BytesPerGiB,
            state / BytesPerGiB,
            2 * state / BytesPerGiB,
            activations / BytesPerGiB,
            RuntimeGiB + ((WorkspaceBytes + scratch + partials) / BytesPerGiB));
    }

    /// <summary>
    /// The trainer's parameters: token and position tables, per layer a QKV and an output projection without biases, the
    /// MLP's two matrices and two layer norms (gain and bias), the final norm, and the output head unless tied.
    /// </summary>
    private static double Parameters(ModelShape shape)
    {
        double h = shape.Hidden, kv = shape.KvHidden, f = shape.FfnHidden, vocab = shape.Vocab;
        var tables = (vocab + shape.SeqLength) * h;
        var perLayer = (h * (h + (2 * kv))) + (h * h) + (2 * f * h) + (4 * h);
        return tables + (shape.Layers * perLayer) + (2 * h) + (shape.TiedEmbeddings ? 0 : vocab * h);
    }
}
