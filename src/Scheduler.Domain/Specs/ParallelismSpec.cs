namespace Scheduler.Domain.Specs;

/// <summary>How the job's GPUs are used: data × tensor × pipeline × context always equals the GPU count.</summary>
public sealed record ParallelismSpec
{
    /// <summary>Data-parallel degree; defaults to gpus ÷ (tensor × pipeline × context).</summary>
    public int? Data { get; init; }

    public int? Tensor { get; init; }

    /// <summary>Pipeline stages; need not divide the layers (the busiest stage gets the rounded-up share).</summary>
    public int? Pipeline { get; init; }

    /// <summary>Context (sequence) parallel degree: each rank holds seqLength ÷ context tokens of every sequence (ring attention); default 1.</summary>
    public int? Context { get; init; }

    /// <summary>Expert-parallel degree for a mixture of experts: the experts are split over this many data-parallel ranks; default 1.</summary>
    public int? Expert { get; init; }

    /// <summary>Pipeline schedule; default 1f1b.</summary>
    public PipelineSchedule? PipelineSchedule { get; init; }

    /// <summary>Layer chunks per pipeline stage for the interleaved schedule; default 1 (2 when the schedule is interleaved).</summary>
    public int? VirtualStages { get; init; }

    /// <summary>ZeRO stage 0–3 over the data-parallel ranks (0: none, 1: optimizer state, 2: + gradients, 3: + weights).</summary>
    public int? ZeroStage { get; init; }

    /// <summary>Megatron sequence parallelism (shards layer-norm and dropout activations over the tensor ranks).</summary>
    public bool? SequenceParallel { get; init; }

    /// <summary>Keep optimizer state in host memory (ZeRO-Offload); off by default.</summary>
    public bool? OffloadOptimizer { get; init; }
}
