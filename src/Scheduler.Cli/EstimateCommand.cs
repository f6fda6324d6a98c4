using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using Scheduler.Admission;
using Scheduler.Domain.Catalog;
using Scheduler.Domain.Queues;
using Scheduler.Domain.Specs;
using Scheduler.Domain.Validation;

namespace Scheduler.Cli;

/// <summary>
/// <c>estimate &lt;spec.json&gt;</c>: validates the spec with the same rules as the REST API, prints only the estimate
/// JSON on stdout and exits 0 whether or not the job fits. An invalid spec prints a problem (RFC 9457 shape, the broken
/// fields named) on stderr and exits 1. Name and queue do not affect the price, so an offline spec may leave them out.
/// </summary>
internal static class EstimateCommand
{
    private const string OfflineName = "offline-estimate";
    private const string OfflineQueue = "offline";

    /// <summary>The wire shape of <see cref="JobSpecJson"/>, indented, without escaping quotes and '+' for HTML.</summary>
    private static readonly JsonSerializerOptions Output = new(JobSpecJson.IndentedOptions) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Create(TextWriter output, TextWriter error)
    {
        var specPath = new Argument<FileInfo>("spec") { Description = "Path of the job spec JSON (the schema of POST /api/v1/jobs)." };
        var catalog = CatalogOption.Create();
        var advise = new Option<bool>("--advise") { Description = "Add the layout advisor's cheapest and fastest feasible layouts ('advice')." };
        var command = new Command("estimate", "Predict parameters, FLOPs, per-GPU memory, wall-clock and GPU-hours of a job spec.") { specPath, catalog, advise };
        command.SetAction(parsed => CatalogOption.Load(parsed.GetValue(catalog), error) is { } loaded
            ? Run(parsed.GetValue(specPath)!, loaded, output, error, parsed.GetValue(advise))
            : ExitCodes.Usage);
        return command;
    }

    public static int Run(FileInfo specFile, GpuCatalog catalog, TextWriter output, TextWriter error, bool advise = false)
    {
        if (!specFile.Exists)
        {
            error.WriteLine($"{specFile.FullName}: no such file");
            return ExitCodes.Usage;
        }

        var (spec, parseError) = JobSpecJson.Parse(File.ReadAllText(specFile.FullName));
        if (spec is null)
        {
            WriteProblem(error, [parseError!]);
            return ExitCodes.InvalidSpec;
        }

        spec = spec with { Name = spec.Name ?? OfflineName, Queue = spec.Queue ?? OfflineQueue };
        var errors = new JobSpecValidator(catalog, PriorityClasses.Default).Check(spec);
        if (errors.Count > 0)
        {
            WriteProblem(error, errors);
            return ExitCodes.InvalidSpec;
        }

        var estimator = new Estimator(catalog);
        var normalized = JobSpecNormalizer.Normalize(spec);
        var estimate = estimator.Estimate(normalized);
        if (advise)
        {
            estimate = estimate with { Advice = estimator.Advise(normalized) };
        }

        output.WriteLine(JsonSerializer.Serialize(estimate, Output));
        return ExitCodes.Ok;
    }

    private static void WriteProblem(TextWriter error, IReadOnlyList<FieldError> errors)
    {
        var problem = new
        {
            type = "about:blank",
            title = "The job spec is invalid.",
            status = 400,
            errors = errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()),
        };
        error.WriteLine(JsonSerializer.Serialize(problem, Output));
    }
}
