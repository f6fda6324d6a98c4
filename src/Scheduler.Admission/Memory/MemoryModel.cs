using Scheduler.Admission.Model;

namespace Scheduler.Admission.Memory;

/// <summary>
/// Peak memory on the busiest GPU, in GiB: model state and activations from first principles, plus what every real
/// run carries on top: the CUDA context (1,343 MiB measured on a V100 by the Hugging Face memory anatomy guide), ZeRO-3's
/// gathered blocks, and the caching allocator's fragmentation and temporary buffers, which put measured peaks 10–20%
/// above the first-principles sum (reference/measured-memory.csv). Under-predicting is the costly error at admission.
/// </summary>
internal static class MemoryModel
{
    public const double CudaContextGiB = 1.3;

    /// <summary>
    /// Fraction of the first-principles sum added for fragmentation and temporaries (gradient buckets, matmul
    /// workspaces): the middle of the 10–20% the reference measurements show.
    /// </summary>
    public const double AllocatorFraction = 0.15;

    private const double BytesPerGiB = 1024.0 * 1024 * 1024;

    /// <summary>The bundled trainer's own allocations when it runs the job (<see cref="BundledTrainerMemory"/>), else the frameworks' model.</summary>
    public static MemoryBreakdown PerGpu(ModelShape shape, ParameterCount parameters, TrainingSetup setup)
    {
        if (BundledTrainerMemory.Runs(shape, setup))
        {
            return BundledTrainerMemory.PerGpu(shape, setup);
        }

        var state = ModelStateMemory.PerGpu(shape, parameters, setup);
        var activations = ActivationMemory.PerGpu(shape, setup);
        var firstPrinciples = state.Weights + state.Gradients + state.Optimizer + activations;
        var overhead = (CudaContextGiB * BytesPerGiB) + state.GatherBuffer + (AllocatorFraction * firstPrinciples);
        return new MemoryBreakdown(
            state.Weights / BytesPerGiB,
            state.Gradients / BytesPerGiB,
            state.Optimizer / BytesPerGiB,
            activations / BytesPerGiB,
            overhead / BytesPerGiB);
    }
}
