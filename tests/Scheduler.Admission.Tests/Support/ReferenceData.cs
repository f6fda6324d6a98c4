using Scheduler.Admission.Accuracy;

namespace Scheduler.Admission.Tests.Support;

/// <summary>
/// The reference figures the repository carries in docs/benchmarks/data/reference. They are part of every checkout, so a missing
/// file fails the test instead of skipping it: a comparison that silently does not run would hide a broken estimator.
/// </summary>
internal static class ReferenceData
{
    public static string Directory { get; } = Find();

    public static ReferenceFiles Files() =>
        new(
            Text(ReferenceFiles.PublishedRunsFile), Text(ReferenceFiles.MeasuredMemoryFile), Text(ReferenceFiles.ModelStateFile),
            Text(ReferenceFiles.HeldOutRunsFile), Text(ReferenceFiles.MfuMeasurementsFile));

    public static string Text(string file)
    {
        var path = Path.Combine(Directory, file);
        return File.Exists(path) ? File.ReadAllText(path) : throw new FileNotFoundException($"{file} is missing from {Directory}", path);
    }

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Scheduler.sln")))
            {
                return Path.Combine(dir.FullName, "docs", "benchmarks", "data", "reference");
            }
        }

        throw new InvalidOperationException("the tests do not run inside the repository (no Scheduler.sln above " + AppContext.BaseDirectory + ")");
    }
}
