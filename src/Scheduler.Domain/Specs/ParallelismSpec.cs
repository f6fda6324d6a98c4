namespace Scheduler.Domain.Specs;

/// <summary>How the job's GPUs are used: data × tensor × pipeline always equals the GPU count.</summary>
public sealed record ParallelismSpec
{
    /// <summary>Data-parallel degree; defaults to gpus ÷ (tensor × pipeline).</summary>
    public int? Data { get; init; }

    public int? Tensor { get; init; }

    public int? Pipeline { get; init; }

    /// <summary>ZeRO stage 0–3 over the data-parallel ranks (0: none, 1: optimizer state, 2: + gradients, 3: + weights).</summary>
    public int? ZeroStage { get; init; }

    /// <summary>Megatron sequence parallelism (shards layer-norm and dropout activations over the tensor ranks).</summary>
    public bool? SequenceParallel { get; init; }

    /// <summary>Keep optimizer state in host memory (ZeRO-Offload); off by default.</summary>
    public bool? OffloadOptimizer { get; init; }
}
