using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using Scheduler.Admission;
using Scheduler.Cli.Commands;
using Scheduler.Domain.Catalog;
using Scheduler.Domain.Queues;
using Scheduler.Domain.Specs;
using Scheduler.Domain.Validation;
using Spectre.Console;
using Spectre.Console.Rendering;

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

    public static Command Create(CliContext context, CommandKit kit)
    {
        var specPath = new Argument<FileInfo>("spec") { Description = "Path of the job spec, JSON or YAML (the schema of POST /api/v1/jobs)." };
        var catalog = CatalogOption.Create();
        var advise = new Option<bool>("--advise") { Description = "Add the layout advisor's cheapest and fastest feasible layouts ('advice'; printed in the JSON)." };
        var json = new Option<bool>("--json") { Description = "Print the estimate JSON (the default when stdout is not a terminal)." };
        var command = kit.Create("estimate",
            "Predict parameters, FLOPs, per-GPU memory, wall-clock and GPU-hours of a spec, offline: a summary on a terminal, else (or with --json) the estimate JSON.",
            "  gpusched estimate src/Scheduler.Cli/Samples/llama2-7b-1gpu.json\n  gpusched estimate job.yaml --json | jq .gpuHours");
        command.Arguments.Add(specPath);
        command.Options.Add(catalog);
        command.Options.Add(json);
        command.Options.Add(advise);
        command.SetAction(parsed => CatalogOption.Load(parsed.GetValue(catalog), context.Error) is { } loaded
            ? Run(parsed.GetValue(specPath)!, loaded, context, parsed.GetValue(json) || !context.IsTerminal, parsed.GetValue(advise))
            : ExitCodes.Usage);
        return command;
    }

    public static int Run(FileInfo specFile, GpuCatalog catalog, CliContext context, bool asJson, bool advise = false)
    {
        var (output, error) = (context.Output, context.Error);
        if (!specFile.Exists)
        {
            error.WriteLine($"{specFile.FullName}: no such file");
            return ExitCodes.Usage;
        }

        var (spec, parseError) = SpecFiles.Read(specFile);
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

        if (asJson)
        {
            output.WriteLine(JsonSerializer.Serialize(estimate, Output));
        }
        else
        {
            Scheduler.Cli.Output.Terminal.Write(context, Summary(estimate));
        }

        return ExitCodes.Ok;
    }

    /// <summary>The figures a person decides on; --json has every term.</summary>
    internal static IRenderable Summary(Estimate estimate)
    {
        var grid = new Grid().AddColumn(new GridColumn { NoWrap = true, Padding = new Padding(0, 0, 2, 0) }).AddColumn();
        void Row(string name, string value) => grid.AddRow(new Text(name + ":"), new Text(value));
        Row("GPUs", $"{Scheduler.Cli.Output.Terminal.Number(estimate.Gpus)} x {estimate.GpuType}");
        Row("Parameters", $"{Scheduler.Cli.Output.Terminal.Number(estimate.Parameters / 1e9, "0.###")} B ({Scheduler.Cli.Output.Terminal.Number(estimate.TrainableParameters / 1e9, "0.###")} B trainable)");
        Row("Tokens", $"{Scheduler.Cli.Output.Terminal.Number(estimate.Tokens / 1e9, "0.###")} B in {estimate.Steps} steps");
        Row("Memory/GPU", $"{Scheduler.Cli.Output.Terminal.Number(estimate.MemoryPerGpuGiB.Total, "0.0")} of {Scheduler.Cli.Output.Terminal.Number(estimate.GpuMemoryGiB, "0.0")} GiB");
        Row("Fits", estimate.Fits ? "yes" : $"no: {estimate.Reason}");
        Row("Step", $"{Scheduler.Cli.Output.Terminal.Number(estimate.StepSeconds, "0.###")} s at MFU {Scheduler.Cli.Output.Terminal.Number(estimate.Mfu * 100, "0.0")}% ({estimate.MfuSource})");
        Row("Wall-clock", $"{Scheduler.Cli.Output.Terminal.Number(estimate.WallHours)} h");
        Row("GPU-hours", Scheduler.Cli.Output.Terminal.Number(estimate.GpuHours));
        foreach (var suggestion in estimate.Suggestions)
        {
            Row("Suggestion", suggestion.Description);
        }

        return grid;
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
