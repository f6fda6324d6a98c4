using Scheduler.Admission.Memory;
using Scheduler.Admission.Model;
using Scheduler.Domain.Catalog;
using Scheduler.Domain.Specs;

namespace Scheduler.Admission.Timing;

/// <summary>
/// Seconds per optimizer step. Compute: the step's FLOPs ÷ (GPUs × peak × MFU), stretched by the busiest pipeline
/// stage when the layers do not divide evenly (⌈L/p⌉·p/L); the element-wise kernels' bytes ÷ memory bandwidth
/// (<see cref="ElementwiseTraffic"/>). Communication that cannot hide behind that busy time is added on top:
/// <list type="bullet">
/// <item>data parallel: ring all-reduce of the gradients over data × context ranks, 2·(d−1)/d × gradient bytes per GPU;
/// ZeRO-3 reduce-scatters the gradients and all-gathers the weights twice, (d−1)/d × (gradients + 2 × weights), 1.5×
/// the all-reduce for mixed precision (Rajbhandari et al. 2020 §7). It overlaps the backward pass (ZeRO-3: the whole
/// step); only the excess counts;</item>
/// <item>tensor parallel: 4 all-reduces of s·b·h activations per layer and micro-batch (6 with full recomputation),
/// on the critical path (Narayanan et al. 2021 §3.2);</item>
/// <item>pipeline bubble: (p−1)/m of the busy time for m micro-batches per step with 1F1B (Narayanan et al. 2021
/// §2.2), (p−1)/(v·m) interleaved over v virtual stages, a third of 1F1B's with zero-bubble ZB-H1 (Qi et al. 2023);</item>
/// <item>context parallel: ring attention passes each rank's keys and values around the c ranks, (c−1)·s/c·b·2·kv
/// values per layer forward and twice that backward, overlapped with the attention computation;</item>
/// <item>expert parallel: four all-to-alls per MoE layer and micro-batch (dispatch and combine, forward and backward)
/// of the k routed copies of each token, (e−1)/e of them leaving the GPU, on the critical path (Lepikhin et al. 2021).</item>
/// </list>
/// Bandwidths come from the catalog: NVLink inside a node; across nodes each GPU's network share, with the ranks of one
/// node driving their network links in parallel. With a <see cref="PlacementInterconnect"/> (where the job was actually
/// placed) the data- and tensor-parallel terms use its GPUs per node and its racks: a job split thinner over nodes, or over
/// racks behind an oversubscribed spine, is priced slower.
/// </summary>
internal static class StepTime
{
    private const double GigaBytes = 1e9;

    public static StepTimeBreakdown PerStep(
        ModelShape shape, ParameterCount parameters, TrainingSetup setup, GpuType gpu, double flopsPerToken, double mfu,
        PlacementInterconnect? placement = null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentNullException.ThrowIfNull(gpu);
        var tokensPerStep = (double)setup.GlobalBatch * shape.SeqLength;
        var peak = PeakFlops(gpu, setup.Precision);
        var compute = tokensPerStep * flopsPerToken / (setup.GpuShare * peak * mfu) * StageImbalance(shape, setup);
        var elementwise = ElementwiseTraffic.PerStep(shape, setup, gpu);
        var busy = compute + elementwise;
        var attentionShare = TrainingFlops.AttentionForward(shape) * 3 / flopsPerToken;
        return new StepTimeBreakdown(
            compute,
            DataParallelExposed(shape, parameters, setup, gpu, busy, placement),
            TensorParallel(shape, setup, gpu, placement),
            busy * BubbleFraction(setup),
            ContextParallel(shape, setup, gpu, compute * attentionShare),
            ExpertAllToAll(shape, setup, gpu),
            elementwise);
    }

    /// <summary>Idle share of a step relative to its busy time: (p−1)/m for 1F1B, ÷v interleaved, ÷3 zero-bubble (ZB-H1).</summary>
    public static double BubbleFraction(TrainingSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        var bubble = (setup.Pipeline - 1.0) / setup.MicroBatchesPerStep;
        return setup.Schedule switch
        {
            PipelineSchedule.Interleaved => bubble / Math.Max(1, setup.VirtualStages),
            PipelineSchedule.ZeroBubble => bubble / 3,
            _ => bubble,
        };
    }

    /// <summary>The busiest stage's layers over the average stage's: 1 when p divides L.</summary>
    public static double StageImbalance(ModelShape shape, TrainingSetup setup) =>
        setup.Pipeline <= 1 ? 1 : ModelStateMemory.LayersPerStage(shape, setup) * (double)setup.Pipeline / shape.Layers;

    /// <summary>Dense 16-bit tensor peak, or the fp32 peak for fp32 training, in FLOP/s.</summary>
    public static double PeakFlops(GpuType gpu, Precision precision) =>
        (precision == Precision.Fp32 ? gpu.Fp32Tflops : gpu.Bf16Tflops) * 1e12;

    private static double DataParallelExposed(
        ModelShape shape, ParameterCount parameters, TrainingSetup setup, GpuType gpu, double busy, PlacementInterconnect? placement)
    {
        double d = setup.Replicas;
        if (d <= 1)
        {
            return 0;
        }

        var bytes = BytesPerParameter.For(setup.Precision, setup.Optimizer, shape.Hidden);
        var gradientBytes = ModelStateMemory.TrainableOnGpu(shape, parameters, setup) * bytes.Gradient;
        var weightBytes = ModelStateMemory.ParametersOnGpu(shape, parameters, setup)
            * (setup.IsLowRank ? BytesPerParameter.FrozenWeight(setup.Precision) : bytes.Weight);
        // ZeRO-3: reduce-scatter the gradients, all-gather the weights for the forward and again for the backward pass
        // (frozen LoRA bases too); otherwise one all-reduce (reduce-scatter plus all-gather) of the gradients.
        var perRank = setup.ZeroStage >= 3 ? gradientBytes + (2 * weightBytes) : 2 * gradientBytes;
        var volume = perRank * (d - 1) / d;
        var ranksPerNodeInGroup = Math.Max(1, (placement?.GpusPerNode ?? setup.GpusPerNode) / (setup.Tensor * (long)setup.Pipeline));
        var bandwidth = placement is not null
            ? placement.Bandwidth(gpu.IntraNodeBandwidthGBps, gpu.InterNodeBandwidthGBps, ranksPerNodeInGroup)
            : setup.Gpus > setup.GpusPerNode
                ? Math.Min(gpu.IntraNodeBandwidthGBps, gpu.InterNodeBandwidthGBps * ranksPerNodeInGroup)
                : gpu.IntraNodeBandwidthGBps;
        var seconds = volume / (bandwidth * GigaBytes);
        var overlapWindow = setup.ZeroStage >= 3 ? busy : busy * 2 / 3;
        return Math.Max(0, seconds - overlapWindow);
    }

    private static double TensorParallel(ModelShape shape, TrainingSetup setup, GpuType gpu, PlacementInterconnect? placement)
    {
        var t = setup.Tensor;
        if (t <= 1)
        {
            return 0;
        }

        var allReduces = setup.Recompute == ActivationCheckpointing.Full ? 6 : 4;
        var bytes = (double)shape.SeqLength / setup.Context * setup.MicroBatch * shape.Hidden * ActivationMemory.ElementBytes(setup.Precision);
        // A tensor group larger than the GPUs the placement put on a node runs its all-reduces over the network.
        var bandwidth = t <= (placement?.GpusPerNode ?? setup.GpusPerNode)
            ? gpu.IntraNodeBandwidthGBps
            : placement?.Bandwidth(gpu.IntraNodeBandwidthGBps, gpu.InterNodeBandwidthGBps, 1) ?? gpu.InterNodeBandwidthGBps;
        var perLayer = allReduces * 2.0 * (t - 1) / t * bytes / (bandwidth * GigaBytes);
        return perLayer * ModelStateMemory.LayersPerStage(shape, setup) * setup.MicroBatchesPerStep;
    }

    private static double ContextParallel(ModelShape shape, TrainingSetup setup, GpuType gpu, double attentionCompute)
    {
        var c = setup.Context;
        if (c <= 1)
        {
            return 0;
        }

        var chunk = (double)shape.SeqLength / c * setup.MicroBatch * 2 * shape.KvHidden / setup.Tensor
            * ActivationMemory.ElementBytes(setup.Precision);
        var perLayer = 3.0 * (c - 1) * chunk;
        var bandwidth = (long)c * setup.Tensor <= setup.GpusPerNode ? gpu.IntraNodeBandwidthGBps : gpu.InterNodeBandwidthGBps;
        var seconds = perLayer * ModelStateMemory.LayersPerStage(shape, setup) * setup.MicroBatchesPerStep / (bandwidth * GigaBytes);
        return Math.Max(0, seconds - attentionCompute);
    }

    private static double ExpertAllToAll(ModelShape shape, TrainingSetup setup, GpuType gpu)
    {
        var ep = setup.Expert;
        if (!shape.IsMoe || ep <= 1)
        {
            return 0;
        }

        var tokens = (double)shape.SeqLength / setup.Context * setup.MicroBatch;
        var bytes = tokens * shape.ActiveExperts * shape.Hidden * ActivationMemory.ElementBytes(setup.Precision) * (ep - 1) / ep;
        var passes = setup.Recompute == ActivationCheckpointing.Full ? 6 : 4;
        var bandwidth = (long)ep * setup.Tensor <= setup.GpusPerNode ? gpu.IntraNodeBandwidthGBps : gpu.InterNodeBandwidthGBps;
        return passes * bytes / (bandwidth * GigaBytes) * ModelStateMemory.LayersPerStage(shape, setup) * setup.MicroBatchesPerStep;
    }
}
