using Scheduler.Admission.Accuracy;

namespace Scheduler.Admission.Tests.Support;

/// <summary>The reference figures in docs/benchmarks/data/reference; tests skip when they are absent.</summary>
internal static class ReferenceData
{
    public static string? Directory { get; } = Find();

    public static ReferenceFiles Files()
    {
        if (Directory is null)
        {
            Assert.Skip("../shared/reference is absent (it sits beside the repository root); the reference comparison cannot run");
        }

        return new ReferenceFiles(
            Read(ReferenceFiles.PublishedRunsFile), Read(ReferenceFiles.MeasuredMemoryFile), Read(ReferenceFiles.ModelStateFile),
            Read(ReferenceFiles.HeldOutRunsFile), Read(ReferenceFiles.MfuMeasurementsFile));
    }

    public static string Text(string file) =>
        Read(file) ?? throw new InvalidOperationException($"{file} is missing from {Directory}");

    private static string? Read(string file)
    {
        var path = Path.Combine(Directory ?? string.Empty, file);
        return Directory is not null && File.Exists(path) ? File.ReadAllText(path) : null;
    }

    private static string? Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Scheduler.sln")))
            {
                var reference = Path.Combine(dir.FullName, "docs", "benchmarks", "data", "reference");
                return System.IO.Directory.Exists(reference) ? reference : null;
            }
        }

        return null;
    }
}
