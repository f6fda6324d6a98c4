using Scheduler.Domain.Jobs;

namespace Scheduler.Operator.Pods;

/// <summary>
/// Deterministic object names, so a restarted operator finds (and never duplicates) what it created:
/// pods <c>&lt;name truncated&gt;-&lt;short id&gt;-&lt;attempt&gt;-&lt;rank&gt;</c>, all within the 63 characters of a DNS label.
/// </summary>
public static class WorkloadNames
{
    private const int MaxLength = 63;

    /// <summary>
    /// The id's last 8 hex digits: random in a version-7 id, whose first ones are its creation time, so two jobs of one name
    /// (in two queues, or a singleton's runs) submitted within the same minute still get pods and Services of their own.
    /// </summary>
    public static string ShortId(JobId jobId) => jobId.Value.ToString("N")[^8..];

    public static string Pod(string jobName, JobId jobId, int attempt, int rank) =>
        Compose(jobName, $"-{ShortId(jobId)}-{attempt}-{rank}");

    /// <summary>The headless Service that gives rank 0 a stable DNS name (<c>MASTER_ADDR</c>).</summary>
    public static string Service(string jobName, JobId jobId) => Compose(jobName, $"-{ShortId(jobId)}");

    private static string Compose(string jobName, string suffix)
    {
        var room = MaxLength - suffix.Length;
        var head = jobName.Length > room ? jobName[..room].TrimEnd('-') : jobName;
        return head + suffix;
    }
}
