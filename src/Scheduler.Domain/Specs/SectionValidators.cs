using FluentValidation;
using Scheduler.Domain.Catalog;

namespace Scheduler.Domain.Specs;

// One validator per spec section; the root JobSpecValidator prefixes their paths and adds the cross-section rules.
// Comparison rules skip null members, so optional members are checked only when given.

internal static class RuleExtensions
{
    public static IRuleBuilderOptions<T, int?> Between<T>(this IRuleBuilder<T, int?> rule, int min, int max) =>
        rule.InclusiveBetween(min, max).WithMessage($"must be between {min} and {max}");
}

internal sealed class ModelSpecValidator : AbstractValidator<ModelSpec>
{
    public ModelSpecValidator()
    {
        RuleFor(m => m.Parameters).InclusiveBetween(1, JobSpecLimits.MaxParameters)
            .WithMessage($"must be between 1 and {JobSpecLimits.MaxParameters:0e0}");
        RuleFor(m => m.Layers).NotNull().When(m => m.Parameters is null).WithMessage("is required unless model.parameters is given");
        RuleFor(m => m.HiddenSize).NotNull().When(m => m.Parameters is null).WithMessage("is required unless model.parameters is given");
        RuleFor(m => m.Heads).NotNull().When(m => m.Parameters is null).WithMessage("is required unless model.parameters is given");
        RuleFor(m => m.Layers).Between(1, JobSpecLimits.MaxLayers);
        RuleFor(m => m.HiddenSize).Between(1, JobSpecLimits.MaxHiddenSize);
        RuleFor(m => m.Heads).Between(1, JobSpecLimits.MaxHeads);
        RuleFor(m => m.KvHeads).Between(1, JobSpecLimits.MaxHeads);
        RuleFor(m => m.FfnHiddenSize).Between(1, JobSpecLimits.MaxFfnHiddenSize);
        RuleFor(m => m.VocabSize).Between(1, JobSpecLimits.MaxVocabSize);
        RuleFor(m => m.SeqLength).Between(1, JobSpecLimits.MaxSeqLength);
        RuleFor(m => m.HiddenSize).Must((m, h) => h % m.Heads == 0)
            .When(m => m.HiddenSize > 0 && m.Heads > 0).WithMessage("must be divisible by model.heads");
        RuleFor(m => m.KvHeads).Must((m, kv) => m.Heads % kv == 0 && kv <= m.Heads)
            .When(m => m.KvHeads > 0 && m.Heads > 0).WithMessage("must divide model.heads (grouped-query attention)");
        RuleFor(m => m.Moe!).SetValidator(new MoeSpecValidator()).When(m => m.Moe is not null);
    }
}

internal sealed class MoeSpecValidator : AbstractValidator<MoeSpec>
{
    public MoeSpecValidator()
    {
        RuleFor(m => m.Experts).NotNull().WithMessage("is required for a mixture of experts").Between(1, JobSpecLimits.MaxExperts);
        RuleFor(m => m.ActiveExperts).NotNull().WithMessage("is required for a mixture of experts");
        RuleFor(m => m.ActiveExperts).Must((m, k) => k >= 1 && k <= m.Experts)
            .When(m => m.ActiveExperts is not null && m.Experts is not null).WithMessage("must be between 1 and model.moe.experts");
        RuleFor(m => m.ExpertFfnHiddenSize).Between(1, JobSpecLimits.MaxFfnHiddenSize);
    }
}

internal sealed class TrainingSpecValidator : AbstractValidator<TrainingSpec>
{
    public TrainingSpecValidator()
    {
        RuleFor(t => t.Tokens).NotNull().When(t => t.Steps is null).WithMessage("is required unless training.steps is given");
        RuleFor(t => t.Tokens).Null().When(t => t.Steps is not null).WithMessage("cannot be given together with training.steps");
        RuleFor(t => t.Tokens).InclusiveBetween(1, JobSpecLimits.MaxTokens).WithMessage($"must be between 1 and {JobSpecLimits.MaxTokens:0e0} tokens");
        RuleFor(t => t.Steps).InclusiveBetween(1, JobSpecLimits.MaxSteps).WithMessage($"must be between 1 and {JobSpecLimits.MaxSteps} steps");
        RuleFor(t => t.GlobalBatchSize).Between(1, JobSpecLimits.MaxGlobalBatchSize);
        RuleFor(t => t.MicroBatchSize).Between(1, JobSpecLimits.MaxGlobalBatchSize);
        RuleFor(t => t.MicroBatchSize).Must((t, m) => m <= t.GlobalBatchSize)
            .When(t => t.MicroBatchSize > 0 && t.GlobalBatchSize > 0).WithMessage("must not be larger than training.globalBatchSize");
        RuleFor(t => t.LearningRate).ExclusiveBetween(0, 10).WithMessage("must be greater than 0 and less than 10");
        RuleFor(t => t.WarmupSteps).Between(0, int.MaxValue);
        RuleFor(t => t.WeightDecay).InclusiveBetween(0, 10).WithMessage("must be between 0 and 10");
        RuleFor(t => t.GradientClip).InclusiveBetween(0, 1e6).WithMessage("must be between 0 (off) and 1e6");
        RuleFor(t => t.Finetune!.LoraRank).NotNull()
            .When(t => t.Finetune?.Method is FinetuneMethod.Lora or FinetuneMethod.QLora).WithMessage("is required for lora and qlora");
        RuleFor(t => t.Finetune!.LoraRank).Between(1, JobSpecLimits.MaxLoraRank).When(t => t.Finetune is not null);
        RuleFor(t => t.DataPath).Must(p => p!.Length is > 0 and <= JobSpecLimits.MaxPathLength && !p.Any(char.IsControl))
            .When(t => t.DataPath is not null).WithMessage($"must be a path of 1 to {JobSpecLimits.MaxPathLength} characters without control characters");
        RuleFor(t => t.Finetune!.LoraRank).Null()
            .When(t => t.Finetune is { Method: null or FinetuneMethod.Full, LoraRank: not null }).WithMessage("applies only to lora and qlora");
    }
}

internal sealed class ResourceSpecValidator : AbstractValidator<ResourceSpec>
{
    public ResourceSpecValidator(GpuCatalog catalog)
    {
        RuleFor(r => r.GpuType).NotEmpty().WithMessage("is required");
        RuleFor(r => r.GpuType!).Must(t => AllKnown(catalog, t)).When(r => !string.IsNullOrWhiteSpace(r.GpuType))
            .WithMessage(_ => $"must name catalog GPU types (alternatives separated by '|'); known types: {string.Join(", ", catalog.Names)}");
        RuleFor(r => r.Gpus).NotNull().WithMessage("is required").Between(1, JobSpecLimits.MaxGpus);
        RuleFor(r => r.GpusPerNode).Between(1, JobSpecLimits.MaxGpusPerNode);
        RuleFor(r => r.Gpus).Must((r, g) => g <= r.GpusPerNode || g % r.GpusPerNode == 0)
            .When(r => r.Gpus > 0 && r.GpusPerNode > 0).WithMessage("must be a multiple of resources.gpusPerNode for a multi-node job");
        RuleFor(r => r.GpusPerNode).Must((r, n) => n <= r.Gpus)
            .When(r => r.Gpus > 0 && r.GpusPerNode > 0).WithMessage("must not exceed resources.gpus");
        RuleFor(r => r.GpuMilli).Between(1, 999);
        RuleFor(r => r.GpuMilli).Must((r, _) => r.Gpus == 1).When(r => r.GpuMilli is not null).WithMessage("requires resources.gpus to be 1");
        RuleFor(r => r.GpuType).MaximumLength(256).WithMessage("must be at most 256 characters");
        RuleFor(r => r.TopologyKey).Must(KubernetesSyntax.IsQualifiedName).When(r => r.TopologyKey is not null)
            .WithMessage(KubernetesSyntax.QualifiedNameRule);
    }

    private static bool AllKnown(GpuCatalog catalog, string gpuType)
    {
        var alternatives = GpuCatalog.SplitAlternatives(gpuType);
        return alternatives.Count > 0 && alternatives.All(catalog.Contains);
    }
}

internal sealed class ParallelismSpecValidator : AbstractValidator<ParallelismSpec>
{
    public ParallelismSpecValidator()
    {
        RuleFor(p => p.Data).Between(1, JobSpecLimits.MaxGpus);
        RuleFor(p => p.Tensor).Between(1, JobSpecLimits.MaxGpus);
        RuleFor(p => p.Pipeline).Between(1, JobSpecLimits.MaxGpus);
        RuleFor(p => p.Context).Between(1, JobSpecLimits.MaxGpus);
        RuleFor(p => p.Expert).Between(1, JobSpecLimits.MaxExperts);
        RuleFor(p => p.VirtualStages).Between(1, JobSpecLimits.MaxLayers);
        RuleFor(p => p.VirtualStages).Must((p, _) => p.PipelineSchedule == Specs.PipelineSchedule.Interleaved)
            .When(p => p.VirtualStages > 1).WithMessage("requires parallelism.pipelineSchedule interleaved");
        RuleFor(p => p.ZeroStage).InclusiveBetween(0, 3).WithMessage("must be 0, 1, 2 or 3");
        RuleFor(p => p.OffloadOptimizer).Must((p, _) => (p.ZeroStage ?? 0) >= 1).When(p => p.OffloadOptimizer == true)
            .WithMessage("requires parallelism.zeroStage 1 or higher");
    }
}

internal sealed class ContainerSpecValidator : AbstractValidator<ContainerSpec>
{
    public ContainerSpecValidator()
    {
        RuleFor(c => c.Cpu!).Cascade(CascadeMode.Stop)
            .Must(Quantity.IsValid).WithMessage("must be a Kubernetes quantity such as 8 or 500m")
            .Must(q => InRange(q, JobSpecLimits.MaxPodCpuCores)).WithMessage($"must be more than 0 and at most {JobSpecLimits.MaxPodCpuCores:0} cores")
            .When(c => c.Cpu is not null);
        RuleFor(c => c.Memory!).Cascade(CascadeMode.Stop)
            .Must(Quantity.IsValid).WithMessage("must be a Kubernetes quantity such as 64Gi")
            .Must(q => InRange(q, JobSpecLimits.MaxPodMemoryBytes)).WithMessage("must be more than 0 and at most 64Ti")
            .When(c => c.Memory is not null);
        RuleFor(c => c.ShmSize!).Cascade(CascadeMode.Stop)
            .Must(Quantity.IsValid).WithMessage("must be a Kubernetes quantity such as 16Gi")
            .Must(q => InRange(q, JobSpecLimits.MaxPodMemoryBytes)).WithMessage("must be more than 0 and at most 64Ti")
            .When(c => c.ShmSize is not null);
        RuleFor(c => c.Image!).Must(i => i.Length <= 512 && !i.Any(ch => char.IsWhiteSpace(ch) || ch == '\0')).When(c => c.Image is not null)
            .WithMessage("must be an image reference without spaces");
        RuleFor(c => c.Command!.Count).LessThanOrEqualTo(JobSpecLimits.MaxCommandItems).OverridePropertyName("Command")
            .When(c => c.Command is not null).WithMessage($"must have at most {JobSpecLimits.MaxCommandItems} entries");
        RuleForEach(c => c.Command).Must(a => a is not null && a.Length <= JobSpecLimits.MaxArgLength)
            .When(c => c.Command is not null).WithMessage($"must be a string of at most {JobSpecLimits.MaxArgLength} characters");
        RuleForEach(c => c.Command).Must(a => a is null || !a.Contains('\0', StringComparison.Ordinal))
            .When(c => c.Command is not null).WithMessage(NoNulRule);
        RuleFor(c => c.Args!.Count).LessThanOrEqualTo(JobSpecLimits.MaxArgsItems).OverridePropertyName("Args")
            .When(c => c.Args is not null).WithMessage($"must have at most {JobSpecLimits.MaxArgsItems} entries");
        RuleForEach(c => c.Args).Must(a => a is not null && a.Length <= JobSpecLimits.MaxArgLength)
            .When(c => c.Args is not null).WithMessage($"must be a string of at most {JobSpecLimits.MaxArgLength} characters");
        RuleForEach(c => c.Args).Must(a => a is null || !a.Contains('\0', StringComparison.Ordinal))
            .When(c => c.Args is not null).WithMessage(NoNulRule);
        RuleFor(c => c.Env!.Count).LessThanOrEqualTo(JobSpecLimits.MaxEnvVars).OverridePropertyName("Env")
            .When(c => c.Env is not null).WithMessage($"must have at most {JobSpecLimits.MaxEnvVars} variables");
        RuleFor(c => c.Env!.Keys).Must(keys => keys.All(KubernetesSyntax.IsEnvVarName)).OverridePropertyName("Env")
            .When(c => c.Env is not null).WithMessage(c => $"names {Quoted(c.Env!.Keys.First(k => !KubernetesSyntax.IsEnvVarName(k)))}, which {KubernetesSyntax.EnvVarNameRule}");
        RuleFor(c => c.Env!.Keys).Must(keys => !keys.Any(KubernetesSyntax.IsReservedEnvName)).OverridePropertyName("Env")
            .When(c => c.Env is not null)
            .WithMessage(c => $"must not set {Quoted(c.Env!.Keys.First(KubernetesSyntax.IsReservedEnvName))}: the scheduler sets {KubernetesSyntax.ReservedEnvPrefix}* and {string.Join(", ", KubernetesSyntax.ReservedEnvNames.Order(StringComparer.Ordinal))}");
        RuleFor(c => c.Env!.Values).Must(values => values.All(v => v is not null && v.Length <= JobSpecLimits.MaxEnvValueLength)).OverridePropertyName("Env")
            .When(c => c.Env is not null).WithMessage($"values must be strings of at most {JobSpecLimits.MaxEnvValueLength} characters");
        RuleFor(c => c.Env!.Values).Must(values => values.All(v => v is null || !v.Contains('\0', StringComparison.Ordinal))).OverridePropertyName("Env")
            .When(c => c.Env is not null).WithMessage("values " + NoNulRule);
        RuleFor(c => c).Must(c => ContainerTextLength(c) <= JobSpecLimits.MaxContainerTextLength).OverridePropertyName("Args")
            .WithMessage($"with container.command and container.env must come to at most {JobSpecLimits.MaxContainerTextLength} characters");
        RuleFor(c => c.Volumes!.Count).LessThanOrEqualTo(JobSpecLimits.MaxVolumes).OverridePropertyName("Volumes")
            .When(c => c.Volumes is not null).WithMessage($"must have at most {JobSpecLimits.MaxVolumes} entries");
        RuleFor(c => c.Volumes).Must(v => v!.Where(x => x?.Name is not null).Select(x => x.Name).Distinct(StringComparer.Ordinal).Count() == v!.Count(x => x?.Name is not null))
            .When(c => c.Volumes is not null).WithMessage("must have distinct names");
        RuleFor(c => c.Volumes).Must(v => v!.Where(x => x?.MountPath is not null).Select(x => x.MountPath).Distinct(StringComparer.Ordinal).Count() == v!.Count(x => x?.MountPath is not null))
            .When(c => c.Volumes is not null).WithMessage("must have distinct mount paths");
        RuleForEach(c => c.Volumes).NotNull().WithMessage("must be an object").ChildRules(v =>
        {
            v.RuleFor(x => x.Name).Must(JobSpecValidator.IsDnsLabel).WithMessage(JobSpecValidator.DnsLabelRule);
            v.RuleFor(x => x.Name).Must(n => !KubernetesSyntax.ReservedVolumeNames.Contains(n!)).When(x => x.Name is not null)
                .WithMessage($"must not be one of the scheduler's own volumes ({string.Join(", ", KubernetesSyntax.ReservedVolumeNames.Order(StringComparer.Ordinal))})");
            v.RuleFor(x => x.ClaimName).NotEmpty().WithMessage("is required");
            v.RuleFor(x => x.ClaimName).Must(KubernetesSyntax.IsDnsSubdomain).When(x => !string.IsNullOrEmpty(x.ClaimName)).WithMessage(KubernetesSyntax.SubdomainRule);
            v.RuleFor(x => x.MountPath).Must(IsMountPath)
                .WithMessage($"must be an absolute path of at most {JobSpecLimits.MaxPathLength} characters, without ':' or '..' segments, and not /dev/shm");
        }).When(c => c.Volumes is not null);
    }

    // A process's arguments and environment are NUL-terminated C strings, and PostgreSQL's jsonb cannot store U+0000 at all.
    // The JSON readers refuse it at the door with the same words; this holds for a spec built any other way.
    private const string NoNulRule = NulFreeStringConverter.Rule;

    private static string Quoted(string text) => text.Length > 64 ? $"'{text[..64]}…'" : $"'{text}'";

    private static long ContainerTextLength(ContainerSpec c) =>
        (c.Command ?? []).Sum(a => (long)(a?.Length ?? 0)) + (c.Args ?? []).Sum(a => (long)(a?.Length ?? 0))
        + (c.Env ?? new Dictionary<string, string>()).Sum(e => (long)e.Key.Length + (e.Value?.Length ?? 0));

    /// <summary>Kubernetes refuses ':' in mount paths on some nodes and '..' segments; /dev/shm is the pod's own volume.</summary>
    internal static bool IsMountPath(string? path) =>
        path is { Length: > 1 and <= JobSpecLimits.MaxPathLength } && path[0] == '/' && !path.Contains(':', StringComparison.Ordinal)
        && !path.Split('/').Contains("..") && !path.Any(char.IsControl) && path.TrimEnd('/') != "/dev/shm";

    private static bool InRange(string quantity, double max)
    {
        var units = Quantity.ToBaseUnits(quantity);
        return units > 0 && units <= max;
    }
}
