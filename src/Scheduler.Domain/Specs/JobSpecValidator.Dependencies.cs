using System.Globalization;
using FluentValidation;

namespace Scheduler.Domain.Specs;

public sealed partial class JobSpecValidator
{
    /// <summary>
    /// Dependencies, singleton and arrays. Whether a dependency names a job that exists, and whether it would close a cycle,
    /// is the store's question: submission answers it (<c>SubmitJob</c>).
    /// </summary>
    private void DependencyAndArrayRules()
    {
        RuleFor(s => s.Dependencies!.Count).LessThanOrEqualTo(JobSpecLimits.MaxDependencies).OverridePropertyName("Dependencies")
            .When(s => s.Dependencies is not null).WithMessage($"must have at most {JobSpecLimits.MaxDependencies} entries");
        RuleForEach(s => s.Dependencies).NotNull().When(s => s.Dependencies is not null).WithMessage("must be an object with type and job");
        RuleForEach(s => s.Dependencies).ChildRules(d =>
        {
            d.RuleFor(x => x.Type).NotNull().When(x => x is not null).WithMessage("is required: afterok, afterany or afternotok");
            d.RuleFor(x => x.Job).NotEmpty().When(x => x is not null).WithMessage("is required: a job id, an array id or a job name in the same queue");
            d.RuleFor(x => x.Job!).Must(IsJobReference).When(x => !string.IsNullOrEmpty(x?.Job))
                .WithMessage("must be a job id (a UUID) or a job name (" + DnsLabelRule + ")");
        }).When(s => s.Dependencies is not null);
        RuleFor(s => s.Array!.Count).NotNull().WithMessage("is required")
            .InclusiveBetween(1, JobSpecLimits.MaxArrayTasks).WithMessage($"must be between 1 and {JobSpecLimits.MaxArrayTasks}")
            .When(s => s.Array is not null);
        RuleFor(s => s.Array!.Parallelism).Must((s, k) => k >= 1 && k <= s.Array!.Count)
            .When(s => s.Array is { Parallelism: not null, Count: >= 1 and <= JobSpecLimits.MaxArrayTasks })
            .WithMessage(s => $"must be between 1 and array.count ({s.Array!.Count})");
        // Task i is named <name>-i, which must still be a DNS-1123 label.
        RuleFor(s => s.Name).Must((s, n) => TaskName(n!, s.Array!.Count!.Value - 1).Length <= JobSpecLimits.MaxNameLength)
            .When(s => IsDnsLabel(s.Name) && s.Array is { Count: >= 1 and <= JobSpecLimits.MaxArrayTasks })
            .WithMessage(s => $"is too long for an array of {s.Array!.Count} tasks: task names <name>-<index> must have at most {JobSpecLimits.MaxNameLength} characters");
    }

    /// <summary>The name of task <paramref name="index"/> of the array named <paramref name="name"/>.</summary>
    public static string TaskName(string name, int index) => name + "-" + index.ToString(CultureInfo.InvariantCulture);

    private static bool IsJobReference(string reference) =>
        Guid.TryParseExact(reference, "D", out _) || IsDnsLabel(reference);
}
