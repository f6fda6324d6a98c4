using System.Text.Json.Serialization;

namespace Scheduler.Domain.Specs;

// Wire names are the lower-case, hyphenated words of the job spec (docs/architecture.md); unknown names are rejected by the deserializer.

[JsonConverter(typeof(JsonStringEnumConverter<ModelArchitecture>))]
public enum ModelArchitecture
{
    [JsonStringEnumMemberName("decoder")] Decoder,
    [JsonStringEnumMemberName("encoder")] Encoder,
}

[JsonConverter(typeof(JsonStringEnumConverter<MlpKind>))]
public enum MlpKind
{
    /// <summary>Two matrices, default FFN width 4·h.</summary>
    [JsonStringEnumMemberName("gelu")] Gelu,
    /// <summary>Three matrices (gated), default FFN width 8/3·h rounded up to a multiple of 256.</summary>
    [JsonStringEnumMemberName("swiglu")] SwiGlu,
}

[JsonConverter(typeof(JsonStringEnumConverter<PositionEmbedding>))]
public enum PositionEmbedding
{
    [JsonStringEnumMemberName("learned")] Learned,
    [JsonStringEnumMemberName("rope")] Rope,
    [JsonStringEnumMemberName("alibi")] Alibi,
}

[JsonConverter(typeof(JsonStringEnumConverter<Precision>))]
public enum Precision
{
    [JsonStringEnumMemberName("fp32")] Fp32,
    /// <summary>bf16 compute with fp32 master weights and optimizer state.</summary>
    [JsonStringEnumMemberName("bf16")] Bf16,
    /// <summary>fp16 compute with fp32 master weights and optimizer state.</summary>
    [JsonStringEnumMemberName("fp16")] Fp16,
    [JsonStringEnumMemberName("fp8")] Fp8,
    /// <summary>bf16 weights, gradients and optimizer state, no master copy.</summary>
    [JsonStringEnumMemberName("bf16-pure")] Bf16Pure,
}

[JsonConverter(typeof(JsonStringEnumConverter<OptimizerKind>))]
public enum OptimizerKind
{
    [JsonStringEnumMemberName("adamw")] AdamW,
    [JsonStringEnumMemberName("adam")] Adam,
    [JsonStringEnumMemberName("sgd")] Sgd,
    [JsonStringEnumMemberName("sgd-momentum")] SgdMomentum,
    [JsonStringEnumMemberName("adafactor")] Adafactor,
    [JsonStringEnumMemberName("adamw-8bit")] AdamW8Bit,
}

[JsonConverter(typeof(JsonStringEnumConverter<ActivationCheckpointing>))]
public enum ActivationCheckpointing
{
    [JsonStringEnumMemberName("none")] None,
    [JsonStringEnumMemberName("selective")] Selective,
    [JsonStringEnumMemberName("full")] Full,
}

[JsonConverter(typeof(JsonStringEnumConverter<FinetuneMethod>))]
public enum FinetuneMethod
{
    [JsonStringEnumMemberName("full")] Full,
    [JsonStringEnumMemberName("lora")] Lora,
    /// <summary>LoRA over 4-bit quantised frozen base weights.</summary>
    [JsonStringEnumMemberName("qlora")] QLora,
}

/// <summary>How attention is computed: fused kernels (FlashAttention, PyTorch SDPA, cuDNN) never store the s×s scores.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AttentionKernel>))]
public enum AttentionKernel
{
    [JsonStringEnumMemberName("fused")] Fused,
    /// <summary>Softmax and dropout of the scores kept for the backward pass (eager attention).</summary>
    [JsonStringEnumMemberName("unfused")] Unfused,
}

/// <summary>
/// How the element-wise work around the matmuls runs: separate norm, activation, residual and loss kernels each reading and
/// writing memory, or fused into few kernels and the matmuls' epilogues.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<ElementwiseKernels>))]
public enum ElementwiseKernels
{
    /// <summary>Eager PyTorch, Megatron-LM, GPT-NeoX, DeepSpeed: fused bias-GELU and bias-dropout-add at most, an fp32 loss.</summary>
    [JsonStringEnumMemberName("standard")] Standard,
    /// <summary>Residual and norm in one kernel, activations in the matmul epilogue, one fused classifier (llm.c, torch.compile with Liger).</summary>
    [JsonStringEnumMemberName("fused")] Fused,
}

/// <summary>Order of forward and backward passes over the pipeline stages.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PipelineSchedule>))]
public enum PipelineSchedule
{
    /// <summary>One forward, one backward (PipeDream-Flush, Megatron's default): bubble (p−1)/m.</summary>
    [JsonStringEnumMemberName("1f1b")] OneForwardOneBackward,
    /// <summary>Each stage holds <c>virtualStages</c> chunks of layers (Narayanan et al. 2021): bubble (p−1)/(v·m).</summary>
    [JsonStringEnumMemberName("interleaved")] Interleaved,
    /// <summary>Backward split into input and weight gradients (Qi et al. 2023, ZB-H1): about a third of 1F1B's bubble, same memory.</summary>
    [JsonStringEnumMemberName("zero-bubble")] ZeroBubble,
}
