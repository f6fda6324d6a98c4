using System.CommandLine;
using System.Globalization;
using Scheduler.Admission;
using Scheduler.Admission.Accuracy;
using Scheduler.Domain.Catalog;

namespace Scheduler.Cli;

/// <summary>
/// <c>accuracy --reference &lt;dir&gt; --out &lt;file&gt;</c>: runs the estimator on the reference cases and writes the
/// comparison table (<c>make bench</c> writes docs/benchmarks/estimator.md with it). Prints the summary lines on stdout.
/// </summary>
internal static class AccuracyCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var reference = new Option<DirectoryInfo>("--reference")
        {
            Description = "Folder with published-runs.csv, measured-memory.csv and model-state-memory.csv.",
            DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("docs", "benchmarks", "data", "reference")),
        };
        var outFile = new Option<FileInfo>("--out") { Description = "Markdown file to write.", Required = true };
        var catalog = CatalogOption.Create();
        var command = new Command("accuracy", "Compare the estimator with published GPU-hours and measured memory.") { reference, outFile, catalog };
        command.SetAction(parsed => CatalogOption.Load(parsed.GetValue(catalog), error) is { } loaded
            ? Run(parsed.GetValue(reference)!, parsed.GetValue(outFile)!, loaded, output, error)
            : ExitCodes.Usage);
        return command;
    }

    public static int Run(DirectoryInfo reference, FileInfo outFile, GpuCatalog catalog, TextWriter output, TextWriter error)
    {
        if (!reference.Exists)
        {
            error.WriteLine($"{reference.FullName}: no such folder (the reference figures live in docs/benchmarks/data/reference of the repository)");
            return ExitCodes.Usage;
        }

        string? Read(string name)
        {
            var path = Path.Combine(reference.FullName, name);
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }

        var report = EstimatorAccuracy.Compare(
            new ReferenceFiles(
                Read(ReferenceFiles.PublishedRunsFile), Read(ReferenceFiles.MeasuredMemoryFile), Read(ReferenceFiles.ModelStateFile),
                Read(ReferenceFiles.HeldOutRunsFile), Read(ReferenceFiles.MfuMeasurementsFile)),
            new Estimator(catalog));
        outFile.Directory?.Create();
        File.WriteAllText(outFile.FullName, AccuracyMarkdown.Render(report, catalog));
        foreach (var (title, rows) in AccuracyMarkdown.Tables(report))
        {
            var summary = AccuracySummary.Of(rows);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{title}: {summary.Cases} cases, median |error| {summary.MedianAbsErrorPercent:0.0}%, worst {summary.WorstAbsErrorPercent:0.0}%"));
        }

        output.WriteLine($"wrote {outFile.FullName}");
        return ExitCodes.Ok;
    }
}
