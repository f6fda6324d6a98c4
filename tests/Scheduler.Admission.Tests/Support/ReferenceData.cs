using Scheduler.Admission.Accuracy;
using Scheduler.Testing;

namespace Scheduler.Admission.Tests.Support;

/// <summary>
/// The reference figures the repository carries in docs/benchmarks/data/reference. They are part of every checkout, so a missing
/// file fails the test instead of skipping it: a comparison that silently does not run would hide a broken estimator.
/// </summary>
internal static class ReferenceData
{
    public static string Directory { get; } = RepositoryRoot.In("docs", "benchmarks", "data", "reference");

    public static ReferenceFiles Files() =>
        new(
            Text(ReferenceFiles.PublishedRunsFile), Text(ReferenceFiles.MeasuredMemoryFile), Text(ReferenceFiles.ModelStateFile),
            Text(ReferenceFiles.HeldOutRunsFile), Text(ReferenceFiles.MfuMeasurementsFile));

    public static string Text(string file)
    {
        var path = Path.Combine(Directory, file);
        return File.Exists(path) ? File.ReadAllText(path) : throw new FileNotFoundException($"{file} is missing from {Directory}", path);
    }
}
