using System.Text.RegularExpressions;
using System.Xml;
using FluentValidation;
using Scheduler.Domain.Catalog;
using Scheduler.Domain.Queues;
using Scheduler.Domain.Validation;

namespace Scheduler.Domain.Specs;

/// <summary>
/// Every rule a job spec must meet, shared by REST, the TrainingJob resource, the CLI and the trainer.
/// Field names in the errors are the JSON paths (<c>parallelism.data</c>).
/// </summary>
public sealed partial class JobSpecValidator : AbstractValidator<JobSpec>
{
    public JobSpecValidator(GpuCatalog catalog, PriorityClasses priorities)
    {
        RuleFor(s => s.Name).NotEmpty().WithMessage("is required")
            .Must(IsDnsLabel).When(s => !string.IsNullOrEmpty(s.Name), ApplyConditionTo.CurrentValidator).WithMessage(DnsLabelRule);
        RuleFor(s => s.Queue).NotEmpty().WithMessage("is required")
            .Must(IsDnsLabel).When(s => !string.IsNullOrEmpty(s.Queue), ApplyConditionTo.CurrentValidator).WithMessage(DnsLabelRule);
        RuleFor(s => s.PriorityClass!).Must(priorities.Contains).When(s => s.PriorityClass is not null)
            .WithMessage(_ => $"must be one of the configured priority classes: {string.Join(", ", priorities.Names)}");
        RuleFor(s => s.Model).NotNull().WithMessage("is required");
        RuleFor(s => s.Training).NotNull().WithMessage("is required");
        RuleFor(s => s.Resources).NotNull().WithMessage("is required");
        RuleFor(s => s.Model!).SetValidator(new ModelSpecValidator()).When(s => s.Model is not null);
        RuleFor(s => s.Training!).SetValidator(new TrainingSpecValidator()).When(s => s.Training is not null);
        RuleFor(s => s.Resources!).SetValidator(new ResourceSpecValidator(catalog)).When(s => s.Resources is not null);
        RuleFor(s => s.Parallelism!).SetValidator(new ParallelismSpecValidator()).When(s => s.Parallelism is not null);
        RuleFor(s => s.Container!).SetValidator(new ContainerSpecValidator()).When(s => s.Container is not null);
        CrossFieldRules();
        RuleFor(s => s.Checkpoint!.IntervalSteps).InclusiveBetween(1, 100_000_000)
            .When(s => s.Checkpoint?.IntervalSteps is not null).WithMessage("must be between 1 and 100000000 steps");
        RuleFor(s => s.Checkpoint!.Volume).Must(KubernetesSyntax.IsDnsSubdomain)
            .When(s => s.Checkpoint?.Volume is not null).WithMessage(KubernetesSyntax.SubdomainRule);
        RuleFor(s => s.MaxRuntime!).Must(IsPositiveDuration).When(s => s.MaxRuntime is not null)
            .WithMessage("must be a positive ISO-8601 duration such as PT12H or P2D");
        DependencyAndArrayRules();
        NotifyRules();
        TopologyRules();
        // Last, and only when the sections' own bounds hold: the spec travels in a pod annotation (Kubernetes allows 256 KiB of them).
        RuleFor(s => s).Must(s => StoredSpecBytes(s) <= JobSpecLimits.MaxSpecBytes).OverridePropertyName("$")
            .WithMessage(s => $"the spec is {StoredSpecBytes(s)} bytes as stored JSON; at most {JobSpecLimits.MaxSpecBytes} fit the pod annotation that carries it");
    }

    /// <summary>Room for the queue's default priority class, which submission adds to a spec that names none.</summary>
    private const int PriorityClassRoom = 96;

    /// <summary>UTF-8 bytes of the spec as JSON.</summary>
    public static int SpecBytes(JobSpec spec) => System.Text.Encoding.UTF8.GetByteCount(JobSpecJson.Serialize(spec));

    /// <summary>
    /// Bytes of the spec as it will be stored and carried in the pod annotation: normalised (its defaults filled) when its
    /// shape allows, plus room for a default priority class. Measured so, a stored spec submitted again measures the same.
    /// </summary>
    public static int StoredSpecBytes(JobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var normalisable = spec is { Model: not null, Training: not null, Resources: { Gpus: > 0, GpuType: not null } }
            && spec.Parallelism?.Tensor is null or > 0 && spec.Parallelism?.Pipeline is null or > 0
            && (long)(spec.Parallelism?.Tensor ?? 1) * (spec.Parallelism?.Pipeline ?? 1) <= JobSpecLimits.MaxGpus;
        var bytes = SpecBytes(normalisable ? JobSpecNormalizer.Normalize(spec) : spec);
        return spec.PriorityClass is null ? bytes + PriorityClassRoom : bytes;
    }

    internal const string DnsLabelRule = "must be a DNS-1123 label: at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit";

    /// <summary>Validates and returns the broken rules in wire form; empty when the spec is valid.</summary>
    public IReadOnlyList<FieldError> Check(JobSpec spec)
    {
        var result = Validate(spec);
        return result.Errors
            .Select(e => new FieldError(FieldPath.FromMemberPath(e.PropertyName), e.ErrorMessage))
            .DistinctBy(e => (e.Field, e.Message))
            .ToList();
    }

    public static bool IsDnsLabel(string? name) => name is { Length: > 0 and <= JobSpecLimits.MaxNameLength } && DnsLabel().IsMatch(name);

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?\\z", RegexOptions.CultureInvariant)]
    private static partial Regex DnsLabel();

    /// <summary>Rules that compare members of different sections; each runs only when both sides are present and in range.</summary>
    private void CrossFieldRules()
    {
        // Products of user numbers are taken in 64 bits: as int, 67108864 × 64 wrapped to 0 and the modulo divided by zero.
        RuleFor(s => s.Training!.GlobalBatchSize).Must((s, g) => g!.Value % ((long)(s.Training!.MicroBatchSize ?? 1) * DataDegree(s)!.Value) == 0)
            .When(s => s.Training is { GlobalBatchSize: > 0, MicroBatchSize: null or > 0 } && DataDegree(s) > 0)
            .WithMessage("must be a multiple of training.microBatchSize × parallelism.data");
        // Without a global batch the default is micro-batch × data degree, which must itself be a valid global batch.
        RuleFor(s => s.Training!.MicroBatchSize).Must((s, m) => (long)m!.Value * DataDegree(s)!.Value <= JobSpecLimits.MaxGlobalBatchSize)
            .When(s => s.Training is { GlobalBatchSize: null, MicroBatchSize: > 0 } && DataDegree(s) > 0)
            .WithMessage($"× parallelism.data (the default training.globalBatchSize) must be at most {JobSpecLimits.MaxGlobalBatchSize}");
        RuleFor(s => s.Parallelism).Must(ProductMatchesGpus).OverridePropertyName("parallelism")
            .When(s => s.Resources is { Gpus: > 0 } && s.Parallelism is not null && ParallelDegreesInRange(s.Parallelism))
            .WithMessage(s => $"data × tensor × pipeline × context must equal resources.gpus ({s.Resources!.Gpus})");
        // Uneven stages are allowed (126 layers over 16 stages): every stage, and every interleaved chunk, needs a layer.
        RuleFor(s => s.Parallelism!.Pipeline).Must((s, p) => (long)p!.Value * Math.Max(1, s.Parallelism!.VirtualStages ?? 1) <= s.Model!.Layers)
            .When(s => s.Parallelism is { Pipeline: > 0, VirtualStages: null or > 0 } && s.Model is { Layers: > 0 })
            .WithMessage("times parallelism.virtualStages must not exceed model.layers (every pipeline stage needs a layer)");
        RuleFor(s => s.Parallelism!.Context).Must((s, c) => s.Model!.SeqLength % c == 0)
            .When(s => s.Parallelism is { Context: > 1 } && s.Model is { SeqLength: > 0 })
            .WithMessage("must divide model.seqLength");
        RuleFor(s => s.Parallelism!.Expert).Must((s, e) => s.Model!.Moe is { Experts: > 0 } moe && moe.Experts % e == 0)
            .When(s => s.Parallelism is { Expert: > 1 } && s.Model is not null)
            .WithMessage("requires model.moe and must divide model.moe.experts");
        RuleFor(s => s.Parallelism!.Expert).Must((s, e) => DataDegree(s) * (long)(s.Parallelism!.Context ?? 1) % e == 0)
            .When(s => s.Parallelism is { Expert: > 1, Context: null or > 0 } && DataDegree(s) > 0)
            .WithMessage("must divide parallelism.data × parallelism.context (experts are split over data-parallel ranks)");
        RuleFor(s => s.Parallelism!.Tensor).Must((s, t) => s.Model!.Heads % t == 0)
            .When(s => s.Parallelism is { Tensor: > 0 } && s.Model is { Heads: > 0 })
            .WithMessage("must divide model.heads");
    }

    private static long? DataDegree(JobSpec s)
    {
        if (s.Parallelism?.Data is { } data)
        {
            return data;
        }

        var gpus = (long)(s.Resources?.Gpus ?? 1);
        var tp = (long)(s.Parallelism?.Tensor ?? 1) * (s.Parallelism?.Pipeline ?? 1) * (s.Parallelism?.Context ?? 1);
        return tp > 0 ? Math.Max(1, gpus / tp) : null;
    }

    private static bool ParallelDegreesInRange(ParallelismSpec p) =>
        p.Data is null or > 0 && p.Tensor is null or > 0 && p.Pipeline is null or > 0 && p.Context is null or > 0;

    private static bool ProductMatchesGpus(JobSpec s, ParallelismSpec? p)
    {
        var gpus = (long)s.Resources!.Gpus!.Value;
        var tensor = (long)(p!.Tensor ?? 1);
        var pipeline = (long)(p.Pipeline ?? 1);
        var context = (long)(p.Context ?? 1);
        var data = (long)(p.Data ?? Math.Max(1, gpus / (tensor * pipeline * context)));
        return data * tensor * pipeline * context == gpus;
    }

    public static bool IsPositiveDuration(string text)
    {
        try
        {
            return XmlConvert.ToTimeSpan(text) > TimeSpan.Zero;
        }
        catch (FormatException)
        {
            return false;
        }
        catch (OverflowException)
        {
            return false;
        }
    }
}
