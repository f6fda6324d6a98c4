namespace Scheduler.Domain.Specs;

/// <summary>How long and how the model is trained. Exactly one of <see cref="Tokens"/> and <see cref="Steps"/> is given.</summary>
public sealed record TrainingSpec
{
    /// <summary>Training tokens in total.</summary>
    public double? Tokens { get; init; }

    /// <summary>Optimizer steps in total.</summary>
    public long? Steps { get; init; }

    /// <summary>Sequences per optimizer step across all data-parallel ranks; defaults to micro-batch × data degree.</summary>
    public int? GlobalBatchSize { get; init; }

    /// <summary>Sequences per forward/backward pass on one rank; default 1.</summary>
    public int? MicroBatchSize { get; init; }

    public Precision? Precision { get; init; }

    public OptimizerKind? Optimizer { get; init; }

    public ActivationCheckpointing? ActivationCheckpointing { get; init; }

    /// <summary>Attention kernel; default fused (PyTorch SDPA, Megatron and litgpt use flash attention by default).</summary>
    public AttentionKernel? Attention { get; init; }

    /// <summary>Element-wise kernels (norms, activations, residuals, the loss); default standard (separate kernels).</summary>
    public ElementwiseKernels? Kernels { get; init; }

    public FinetuneSpec? Finetune { get; init; }

    /// <summary>Peak learning rate (default 3e-4), reached after <see cref="WarmupSteps"/> and decayed by cosine.</summary>
    public double? LearningRate { get; init; }

    public int? WarmupSteps { get; init; }

    /// <summary>AdamW decoupled weight decay (default 0.1).</summary>
    public double? WeightDecay { get; init; }

    /// <summary>Clip gradients to this global L2 norm (default 1.0; 0 turns clipping off).</summary>
    public double? GradientClip { get; init; }

    /// <summary>Seed for initialisation and the synthetic corpus (default 1234).</summary>
    public int? Seed { get; init; }

    /// <summary>Path of a uint16 token file in the pod; without it the trainer uses its deterministic synthetic corpus.</summary>
    public string? DataPath { get; init; }
}

public sealed record FinetuneSpec
{
    public FinetuneMethod? Method { get; init; }

    /// <summary>LoRA rank, required for lora and qlora.</summary>
    public int? LoraRank { get; init; }
}
