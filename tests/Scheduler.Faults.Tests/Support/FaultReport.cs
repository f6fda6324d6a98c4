using System.Text.Json;

namespace Scheduler.Faults.Tests.Support;

/// <summary>
/// A scenario's figures (faults injected, jobs acknowledged, lost, duplicated, answers seen): written to the test output and,
/// when <c>SCHEDULER_FAULTS_REPORT</c> names a file, appended there as one JSON line (<c>make bench</c> collects them into
/// docs/benchmarks/reliability.md).
/// </summary>
internal static class FaultReport
{
    public const string Variable = "SCHEDULER_FAULTS_REPORT";

    public static void Write(string scenario, IReadOnlyDictionary<string, object> figures)
    {
        var line = JsonSerializer.Serialize(new Dictionary<string, object>(figures) { ["scenario"] = scenario });
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } path)
        {
            lock (typeof(FaultReport))
            {
                File.AppendAllText(path, line + Environment.NewLine);
            }
        }
    }
}
