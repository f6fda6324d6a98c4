using System.Text.Json;
using System.Text.Json.Nodes;
using Scheduler.Domain.Catalog;
using Scheduler.Domain.Queues;
using Scheduler.Domain.Specs;
using Scheduler.Domain.Validation;

namespace Scheduler.Simulation.ApiServer;

/// <summary>
/// Validates TrainingJobs and GpuQueues with the same C# rules as REST (the CRDs' OpenAPI and CEL rules serve real
/// clusters). Fields are named as the API names them: <c>spec.resources.gpus</c>, <c>metadata.name</c>. With strict field
/// validation unknown fields are refused; otherwise they are pruned, as a real server prunes them from custom resources.
/// </summary>
internal sealed class CustomResourceValidation
{
    private static readonly HashSet<string> TopLevel = ["apiVersion", "kind", "metadata", "spec", "status"];
    private static readonly JsonSerializerOptions Lenient = new(JobSpecJson.Options) { UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Skip };
    private readonly JobSpecValidator _validator;
    private readonly GpuCatalog _catalog;
    private readonly PriorityClasses _priorities;

    public CustomResourceValidation(GpuCatalog catalog, PriorityClasses priorities)
    {
        _catalog = catalog;
        _priorities = priorities;
        _validator = new JobSpecValidator(catalog, priorities);
    }

    public IReadOnlyList<StatusCause> ValidateTrainingJob(JsonObject obj, bool strict)
    {
        var causes = UnknownTopLevel(obj, strict);
        var name = obj["metadata"]?["name"]?.GetValue<string>();
        if (obj["spec"] is not JsonObject spec)
        {
            return [.. causes, new StatusCause("spec", "Required value", "FieldValueRequired")];
        }

        if (spec.ContainsKey("name"))
        {
            return [.. causes, new StatusCause("spec.name", "Forbidden: the job's name is metadata.name", "FieldValueForbidden")];
        }

        var (parsed, error) = Parse<JobSpec>(spec, strict);
        if (error is not null)
        {
            return [.. causes, Cause("spec", error)];
        }

        if (!strict)
        {
            obj["spec"] = JsonSerializer.SerializeToNode(parsed, JobSpecJson.Options); // prune what the schema does not know
        }

        causes.AddRange(_validator.Check(parsed! with { Name = name }).Select(e => e.Field == "name"
            ? new StatusCause("metadata.name", e.Message, Reason(e))
            : Cause("spec", e)));
        return causes;
    }

    public IReadOnlyList<StatusCause> ValidateGpuQueue(JsonObject obj, bool strict)
    {
        var causes = UnknownTopLevel(obj, strict);
        if (obj["spec"] is not JsonObject spec)
        {
            return [.. causes, new StatusCause("spec", "Required value", "FieldValueRequired")];
        }

        var (queue, error) = Parse<QueueSpec>(spec, strict);
        if (error is not null)
        {
            return [.. causes, Cause("spec", error)];
        }

        if (queue!.NominalQuota is null)
        {
            causes.Add(new StatusCause("spec.nominalQuota", "Required value", "FieldValueRequired"));
        }

        foreach (var (field, quota) in new[] { ("nominalQuota", queue.NominalQuota), ("borrowingLimit", queue.BorrowingLimit), ("lendingLimit", queue.LendingLimit) })
        {
            foreach (var (gpuType, count) in quota ?? new Dictionary<string, int>())
            {
                if (!_catalog.Contains(gpuType))
                {
                    causes.Add(new StatusCause($"spec.{field}.{gpuType}", $"Unsupported value: must be a catalog GPU type: {string.Join(", ", _catalog.Names)}", "FieldValueNotSupported"));
                }
                else if (count < 0)
                {
                    causes.Add(new StatusCause($"spec.{field}.{gpuType}", "Invalid value: must be 0 or more GPUs"));
                }
            }
        }

        if (queue.Cohort is not null && !JobSpecValidator.IsDnsLabel(queue.Cohort))
        {
            causes.Add(new StatusCause("spec.cohort", "Invalid value: must be a DNS-1123 label"));
        }

        if (queue.DefaultPriorityClass is { } priority && !_priorities.Contains(priority))
        {
            causes.Add(new StatusCause("spec.defaultPriorityClass", $"Unsupported value: must be one of {string.Join(", ", _priorities.Names)}", "FieldValueNotSupported"));
        }

        if (queue.FairShareWeight is <= 0)
        {
            causes.Add(new StatusCause("spec.fairShareWeight", "Invalid value: must be greater than 0"));
        }

        if (queue.GpuHourBudget is { } budget && (budget.Period is null || budget.GpuHours is null or < 0))
        {
            causes.Add(new StatusCause("spec.gpuHourBudget", "Invalid value: needs a period and gpuHours of 0 or more"));
        }

        causes.AddRange(QueueNamespaces.Check(queue).Select(e => Cause("spec", e)));

        return causes;
    }

    private static (T? Value, FieldError? Error) Parse<T>(JsonObject spec, bool strict)
    {
        try
        {
            return (spec.Deserialize<T>(strict ? JobSpecJson.Options : Lenient), null);
        }
        catch (JsonException e)
        {
            return (default, JobSpecJson.DescribeJsonError(e));
        }
    }

    private static List<StatusCause> UnknownTopLevel(JsonObject obj, bool strict) =>
        strict ? [.. obj.Select(p => p.Key).Where(k => !TopLevel.Contains(k)).Select(k => new StatusCause(k, "unknown field", "FieldValueInvalid"))] : [];

    private static StatusCause Cause(string prefix, FieldError error) =>
        new(error.Field is "$" or "" ? prefix : $"{prefix}.{error.Field}", error.Message, Reason(error));

    private static string Reason(FieldError error) => error.Message == "is required" ? "FieldValueRequired" : "FieldValueInvalid";
}
