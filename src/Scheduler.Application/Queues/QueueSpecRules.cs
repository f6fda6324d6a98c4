using Scheduler.Domain.Catalog;
using Scheduler.Domain.Queues;
using Scheduler.Domain.Specs;
using Scheduler.Domain.Validation;

namespace Scheduler.Application.Queues;

/// <summary>The rules a queue spec must meet and the defaults it gets (Kueue's quota vocabulary).</summary>
public sealed class QueueSpecRules(GpuCatalog catalog, PriorityClasses priorities)
{
    public const double MaxFairShareWeight = 1e6;
    public const double MaxBudgetGpuHours = 1e12;

    public IEnumerable<FieldError> Check(QueueSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.NominalQuota is null)
        {
            yield return new FieldError("nominalQuota", "is required: GPUs per catalog GPU type, for example { \"H100-SXM\": 16 }");
        }

        foreach (var error in CheckQuota("nominalQuota", spec.NominalQuota)
            .Concat(CheckQuota("borrowingLimit", spec.BorrowingLimit))
            .Concat(CheckQuota("lendingLimit", spec.LendingLimit)))
        {
            yield return error;
        }

        foreach (var (gpuType, lending) in spec.LendingLimit ?? new Dictionary<string, int>())
        {
            var nominal = spec.NominalQuota?.GetValueOrDefault(gpuType) ?? 0;
            if (lending > nominal)
            {
                yield return new FieldError($"lendingLimit.{gpuType}", $"must not exceed nominalQuota.{gpuType} ({nominal})");
            }
        }

        if (spec.Cohort is not null && !JobSpecValidator.IsDnsLabel(spec.Cohort))
        {
            yield return new FieldError("cohort", "must be a DNS-1123 label: at most 63 lower-case letters, digits and '-'");
        }

        if (spec.DefaultPriorityClass is not null && !priorities.Contains(spec.DefaultPriorityClass))
        {
            yield return new FieldError("defaultPriorityClass", $"must be one of the configured priority classes: {string.Join(", ", priorities.Names)}");
        }

        if (spec.FairShareWeight is { } weight && !(weight > 0 && weight <= MaxFairShareWeight))
        {
            yield return new FieldError("fairShareWeight", $"must be greater than 0 and at most {MaxFairShareWeight:0e0}");
        }

        if (spec.GpuHourBudget is { } budget)
        {
            if (budget.Period is null)
            {
                yield return new FieldError("gpuHourBudget.period", "is required: day, week or month");
            }

            if (budget.GpuHours is not { } hours || !(hours >= 0 && hours <= MaxBudgetGpuHours))
            {
                yield return new FieldError("gpuHourBudget.gpuHours", $"is required and must be between 0 and {MaxBudgetGpuHours:0e0}");
            }
        }

        foreach (var error in QueueNamespaces.Check(spec))
        {
            yield return error;
        }

        foreach (var error in CheckRuntimes(spec))
        {
            yield return error;
        }

        foreach (var error in NotifyRules.Check(spec))
        {
            yield return error;
        }
    }

    private static readonly QueueNotifyValidator NotifyRules = new();

    private const string DurationRule = "must be a positive ISO-8601 duration such as PT12H or P2D";

    /// <summary>The runtime bounds are durations, and the default fits under the maximum.</summary>
    private static IEnumerable<FieldError> CheckRuntimes(QueueSpec spec)
    {
        var fields = new (string Name, string? Text)[]
        {
            ("defaultMaxRuntime", spec.DefaultMaxRuntime), ("maxRuntime", spec.MaxRuntime), ("minRuntimeBeforePreemption", spec.MinRuntimeBeforePreemption),
        };
        foreach (var (name, text) in fields)
        {
            if (text is not null && IsoDuration.TryParse(text) is null)
            {
                yield return new FieldError(name, DurationRule);
            }
        }

        if (IsoDuration.TryParse(spec.DefaultMaxRuntime) is { } fallback && IsoDuration.TryParse(spec.MaxRuntime) is { } maximum && fallback > maximum)
        {
            yield return new FieldError("defaultMaxRuntime", $"must not exceed maxRuntime ({spec.MaxRuntime})");
        }
    }

    /// <summary>
    /// Fills the documented defaults: priority class <c>normal</c>, fair-share weight 1, budgets reject when exceeded.
    /// Unset <c>namespaces</c> and <c>namespaceSelector</c> stay unset: no namespace's TrainingJobs may use the queue.
    /// </summary>
    public static QueueSpec Normalize(QueueSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec with
        {
            DefaultPriorityClass = spec.DefaultPriorityClass ?? PriorityClasses.DefaultClass,
            FairShareWeight = spec.FairShareWeight ?? 1,
            GpuHourBudget = spec.GpuHourBudget is null
                ? null
                : spec.GpuHourBudget with { WhenExceeded = spec.GpuHourBudget.WhenExceeded ?? BudgetExceededAction.Reject },
        };
    }

    private IEnumerable<FieldError> CheckQuota(string field, IReadOnlyDictionary<string, int>? quota)
    {
        foreach (var (gpuType, gpus) in quota ?? new Dictionary<string, int>())
        {
            if (!catalog.Contains(gpuType))
            {
                yield return new FieldError($"{field}.{gpuType}", $"must be a catalog GPU type; known types: {string.Join(", ", catalog.Names)}");
            }
            else if (gpus is < 0 or > JobSpecLimits.MaxGpus)
            {
                yield return new FieldError($"{field}.{gpuType}", $"must be between 0 and {JobSpecLimits.MaxGpus} GPUs");
            }
        }
    }
}
