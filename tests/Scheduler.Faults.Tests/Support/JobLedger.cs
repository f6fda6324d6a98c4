using k8s.Models;
using Npgsql;
using Scheduler.Operator.Pods;

namespace Scheduler.Faults.Tests.Support;

/// <summary>What the database holds after the faults, checked against what clients were told and what the cluster runs.</summary>
internal sealed record JobLedger(IReadOnlyList<(Guid Id, string Name, string State)> Jobs)
{
    private static readonly string[] Final = ["Succeeded", "Failed", "Cancelled"];

    public static async Task<JobLedger> ReadAsync(string connectionString, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand("SELECT id, name, state FROM jobs", connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var jobs = new List<(Guid, string, string)>();
        while (await reader.ReadAsync(ct))
        {
            jobs.Add((reader.GetGuid(0), reader.GetString(1), reader.GetString(2)));
        }

        return new JobLedger(jobs);
    }

    public bool AllFinal => Jobs.All(j => Final.Contains(j.State));

    public string States => string.Join(", ", Jobs.GroupBy(j => j.State).Select(g => $"{g.Key} {g.Count()}"));

    /// <summary>Acknowledged jobs the database does not hold under the id the client was given.</summary>
    public IReadOnlyList<string> Lost(IReadOnlyDictionary<string, Guid> acknowledged) =>
        [.. acknowledged.Where(a => !Jobs.Any(j => j.Id == a.Value && j.Name == a.Key)).Select(a => $"{a.Key} ({a.Value})")];

    /// <summary>Names held by more than one job: a submission applied twice.</summary>
    public IReadOnlyList<string> Duplicated => [.. Jobs.GroupBy(j => j.Name).Where(g => g.Count() > 1).Select(g => $"{g.Key} ×{g.Count()}")];

    /// <summary>Pods whose job the database does not know.</summary>
    public IReadOnlyList<string> Orphans(IEnumerable<V1Pod> pods) =>
        [.. pods.Where(p => WorkloadLabels.JobIdOf(p.Metadata) is not { } id || Jobs.All(j => j.Id != id.Value)).Select(p => p.Metadata.Name)];
}
