using System.Globalization;
using System.Text.Json;
using Scheduler.Admission.Model;
using Scheduler.Domain.Specs;

namespace Scheduler.Admission.Accuracy;

/// <summary>
/// Job specs for the reference cases, built from the CSV columns. What the sources leave out is filled by one rule for
/// every case, never per case; <see cref="Rules"/> states them and the accuracy report prints them.
/// </summary>
internal static class ReferenceSpecs
{
    public const int AssumedGpus = 512;
    public const int GpusPerNode = 8;
    public const double TensorParallelFrom = 20e9;
    public const double LargeBatchFrom = 2e9;
    public const int DefaultLoraRank = 8;

    /// <summary>The image the reference runs are priced with: any image means "not the bundled trainer".</summary>
    public const string ReferenceImage = "published-run";

    /// <summary>The rules above in words, for the accuracy report.</summary>
    public static IReadOnlyList<string> Rules { get; } =
    [
        string.Create(CultureInfo.InvariantCulture,
            $"Every run is priced as its own framework's, not the bundled trainer's. Published runs (fitted and held out): bf16 mixed precision, AdamW, ZeRO-1, fused attention (the default), standard element-wise kernels unless the kernels column says fused (llm.c), no recomputation, {AssumedGpus} GPUs in nodes of {GpusPerNode} when the count is not reported, tensor parallelism 8 (or the largest power of two dividing the heads) with sequence parallelism from {TensorParallelFrom / 1e9:0}B parameters and no pipeline unless the source gives the layout, a global batch of 4M tokens from {LargeBatchFrom / 1e9:0}B parameters (0.5M below) unless reported, rounded to a multiple of the data-parallel degree, micro-batch 1; where the run's published configuration gives the micro-batch and recomputation (the micro_batch and recompute columns), those. Reported GPU-hours include restarts and evaluation, so no estimator matches them exactly."),
        string.Create(CultureInfo.InvariantCulture,
            $"Measured memory: one step on the given GPUs; the MLP kind whose parameter count is nearer the stated one; encoders get learned positions and tied embeddings (BERT), SwiGLU decoders rotary positions and untied embeddings (LLaMA); an unreported LoRA rank is litgpt's default, {DefaultLoraRank}; activation recomputation none, since the sources do not say otherwise; the attention kernel the run used (eager BERT in the Hugging Face guide, SDPA in litgpt). A figure measured as torch.cuda.max_memory_allocated (litgpt) is compared with the estimate less the CUDA context, which that counter does not see."),
        "MFU measurements: the layout, batch and recomputation of the source (the notes column marks what was assumed); the MFU each implies for the estimator is the value at which the estimator's step time (compute plus the priced element-wise kernels, communication and bubble) equals the measured one.",
    ];

    public static JobSpec PublishedRun(ReferenceRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var parameters = row.RequiredNumber("params_reported");
        var seq = (int)row.RequiredNumber("seq_len");
        var gpus = row.Integer("gpus") ?? AssumedGpus;
        var heads = (int)row.RequiredNumber("heads");
        var tensor = row.Integer("tensor") ?? (parameters >= TensorParallelFrom ? 8 : 1);
        while (heads % tensor != 0)
        {
            // 52 heads (LLaMA 33B) split 4 ways, not 8.
            tensor /= 2;
        }

        var pipeline = row.Integer("pipeline") ?? 1;
        var context = row.Integer("context") ?? 1;
        var data = Math.Max(1, gpus / (tensor * pipeline * context));
        var batchTokens = parameters >= LargeBatchFrom ? 1 << 22 : 1 << 19;
        var wanted = row.Integer("global_batch") ?? (int)Math.Round(batchTokens / (double)seq);
        var micro = row.Integer("micro_batch") ?? 1;
        var global = Math.Max(1, (int)Math.Round(wanted / (micro * (double)data))) * micro * data;
        return Normalized(row, new JobSpec
        {
            Model = new ModelSpec
            {
                Architecture = ModelArchitecture.Decoder,
                Layers = (int)row.RequiredNumber("layers"),
                HiddenSize = (int)row.RequiredNumber("hidden"),
                Heads = (int)row.RequiredNumber("heads"),
                KvHeads = row.Integer("kv_heads"),
                FfnHiddenSize = row.Integer("ffn_hidden"),
                Mlp = Wire<MlpKind>(row.Text("mlp")),
                PositionEmbedding = Wire<PositionEmbedding>(row.Text("position_embedding")),
                TiedEmbeddings = bool.Parse(row.Text("tied_embeddings")),
                VocabSize = (int)row.RequiredNumber("vocab"),
                SeqLength = seq,
            },
            Training = new TrainingSpec
            {
                Tokens = row.RequiredNumber("tokens"),
                GlobalBatchSize = global,
                MicroBatchSize = micro,
                Precision = Precision.Bf16,
                Optimizer = OptimizerKind.AdamW,
                // Recomputation costs a third more compute: a run whose published configuration recomputed is priced so.
                ActivationCheckpointing = row.Text("recompute") is { Length: > 0 } recompute
                    ? Wire<ActivationCheckpointing>(recompute)
                    : ActivationCheckpointing.None,
                Kernels = Kernels(row),
            },
            Parallelism = Layout(row, data, tensor, pipeline, context) with { ZeroStage = 1 },
            Resources = new ResourceSpec { GpuType = row.Text("gpu_type"), Gpus = gpus, GpusPerNode = Math.Min(gpus, GpusPerNode) },
        });
    }

    /// <summary>A published efficiency measurement as a spec: the layout, batch and recomputation the source ran with.</summary>
    public static JobSpec MfuMeasurement(ReferenceRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var gpus = (int)row.RequiredNumber("gpus");
        var tensor = (int)row.RequiredNumber("tensor");
        var pipeline = (int)row.RequiredNumber("pipeline");
        var context = row.Integer("context") ?? 1;
        var data = Math.Max(1, gpus / (tensor * pipeline * context));
        var micro = row.Integer("micro_batch") ?? 1;
        var global = Math.Max(1, (int)Math.Round(row.RequiredNumber("global_batch") / (micro * (double)data))) * micro * data;
        return Normalized(row, new JobSpec
        {
            Model = new ModelSpec
            {
                Architecture = ModelArchitecture.Decoder,
                Layers = (int)row.RequiredNumber("layers"),
                HiddenSize = (int)row.RequiredNumber("hidden"),
                Heads = (int)row.RequiredNumber("heads"),
                KvHeads = row.Integer("kv_heads"),
                FfnHiddenSize = row.Integer("ffn_hidden"),
                Mlp = Wire<MlpKind>(row.Text("mlp")),
                // GPT-style (GELU) models: learned positions and tied embeddings; LLaMA-style (SwiGLU): rotary, untied.
                PositionEmbedding = row.Text("mlp") == "gelu" ? PositionEmbedding.Learned : PositionEmbedding.Rope,
                TiedEmbeddings = row.Text("mlp") == "gelu",
                VocabSize = (int)row.RequiredNumber("vocab"),
                SeqLength = (int)row.RequiredNumber("seq_len"),
            },
            Training = new TrainingSpec
            {
                Steps = 1,
                GlobalBatchSize = global,
                MicroBatchSize = micro,
                Precision = Precision.Bf16,
                Optimizer = OptimizerKind.AdamW,
                ActivationCheckpointing = Wire<ActivationCheckpointing>(row.Text("recompute")),
                Kernels = Kernels(row),
            },
            Parallelism = Layout(row, data, tensor, pipeline, context) with { ZeroStage = 1, SequenceParallel = tensor > 1 },
            Resources = new ResourceSpec { GpuType = row.Text("gpu_type"), Gpus = gpus, GpusPerNode = Math.Min(gpus, GpusPerNode) },
        });
    }

    private static ParallelismSpec Layout(ReferenceRow row, int data, int tensor, int pipeline, int context)
    {
        var schedule = row.Text("schedule") is { Length: > 0 } text ? Wire<PipelineSchedule>(text) : PipelineSchedule.OneForwardOneBackward;
        return new ParallelismSpec
        {
            Data = data,
            Tensor = tensor,
            Pipeline = pipeline,
            Context = context,
            PipelineSchedule = schedule,
            VirtualStages = schedule == PipelineSchedule.Interleaved ? row.Integer("virtual_stages") ?? 2 : null,
            SequenceParallel = tensor > 1,
        };
    }

    public static JobSpec MeasuredMemory(ReferenceRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var architecture = Wire<ModelArchitecture>(row.Text("architecture"));
        var micro = (int)row.RequiredNumber("micro_batch");
        var gpus = (int)row.RequiredNumber("gpus");
        var method = Wire<FinetuneMethod>(row.Text("method"));
        var model = new ModelSpec
        {
            Architecture = architecture,
            Layers = (int)row.RequiredNumber("layers"),
            HiddenSize = (int)row.RequiredNumber("hidden"),
            Heads = (int)row.RequiredNumber("heads"),
            VocabSize = (int)row.RequiredNumber("vocab"),
            SeqLength = (int)row.RequiredNumber("seq_len"),
        };
        var mlp = NearerMlp(model, row.RequiredNumber("params"));
        var encoder = architecture == ModelArchitecture.Encoder;
        return Normalized(row, new JobSpec
        {
            Model = model with
            {
                Mlp = mlp,
                PositionEmbedding = encoder || mlp == MlpKind.Gelu ? PositionEmbedding.Learned : PositionEmbedding.Rope,
                TiedEmbeddings = encoder,
            },
            Training = new TrainingSpec
            {
                Steps = 1,
                GlobalBatchSize = micro * gpus,
                MicroBatchSize = micro,
                Precision = Wire<Precision>(row.Text("precision")),
                Optimizer = Wire<OptimizerKind>(row.Text("optimizer")),
                Attention = row.Text("attention") is { Length: > 0 } attention ? Wire<AttentionKernel>(attention) : null,
                Finetune = new FinetuneSpec
                {
                    Method = method,
                    LoraRank = method == FinetuneMethod.Full ? null : row.Integer("lora_rank") ?? DefaultLoraRank,
                },
            },
            Parallelism = new ParallelismSpec { Data = gpus },
            Resources = new ResourceSpec { GpuType = row.Text("gpu_type"), Gpus = gpus },
        });
    }

    /// <summary>The ZeRO paper's setting: only the parameter count, mixed-precision Adam over the data-parallel degree.</summary>
    public static JobSpec ModelState(ReferenceRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var data = (int)row.RequiredNumber("data_parallel");
        return Normalized(row, new JobSpec
        {
            Model = new ModelSpec { Parameters = row.RequiredNumber("params") },
            Training = new TrainingSpec
            {
                Steps = 1,
                GlobalBatchSize = data,
                Precision = Wire<Precision>(row.Text("precision")),
                Optimizer = Wire<OptimizerKind>(row.Text("optimizer")),
            },
            Parallelism = new ParallelismSpec { Data = data, ZeroStage = (int)row.RequiredNumber("zero_stage") },
            Resources = new ResourceSpec { GpuType = "A100-80GB", Gpus = data },
        });
    }

    private static MlpKind NearerMlp(ModelSpec model, double stated) =>
        new[] { MlpKind.Gelu, MlpKind.SwiGlu }
            .MinBy(mlp => Math.Abs(ParameterCount.Of(ModelShape.From(model with { Mlp = mlp }), null, 0).Total - stated));

    /// <summary>The run's element-wise kernels where the row names them (the kernels column), else the default.</summary>
    private static ElementwiseKernels? Kernels(ReferenceRow row) =>
        row.Text("kernels") is { Length: > 0 } kernels ? Wire<ElementwiseKernels>(kernels) : null;

    /// <summary>
    /// Every reference run used its own framework, not the bundled trainer: an image stands for it, so the frameworks'
    /// memory model prices it (<c>BundledTrainerMemory</c> prices image-less jobs).
    /// </summary>
    private static JobSpec Normalized(ReferenceRow row, JobSpec spec) =>
        JobSpecNormalizer.Normalize(spec with { Name = row.Text("name"), Queue = "reference", Container = new ContainerSpec { Image = ReferenceImage } });

    private static T Wire<T>(string value) where T : struct, Enum =>
        JsonSerializer.Deserialize<T>(JsonSerializer.Serialize(value), JobSpecJson.Options);
}
