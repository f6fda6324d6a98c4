namespace Scheduler.Operator.Hosting;

/// <summary>Configuration section <c>Scheduler:Logs</c>: the bounds of <c>GET /api/v1/jobs/{id}/logs</c>.</summary>
public sealed class LogOptions
{
    public const string Section = "Scheduler:Logs";

    /// <summary>The most lines one request may ask for (<c>tailLines</c>); also the default when it asks for none.</summary>
    public int MaxTailLines { get; set; } = 10_000;

    /// <summary>The most bytes one request streams (the API server's <c>limitBytes</c>), following or not.</summary>
    public long MaxBytes { get; set; } = 10L * 1024 * 1024;

    /// <summary>How long a <c>follow=true</c> request stays open before the server ends it (the client may reconnect).</summary>
    public TimeSpan MaxFollow { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>The most <c>follow=true</c> requests one user may hold open at once in one process (more: 429).</summary>
    public int MaxFollowsPerUser { get; set; } = 8;

    /// <summary>The most <c>follow=true</c> requests one process holds open at once, all users together (more: 429).</summary>
    public int MaxFollows { get; set; } = 512;

    /// <summary>
    /// Where logs go once the pods are collected (a log pipeline's URL), with <c>{namespace}</c>, <c>{pod}</c> and <c>{jobId}</c>
    /// filled in; named in the answer for a pod that no longer exists. None: the answer says only that the pod is gone.
    /// </summary>
    public string? CollectedLogsUrl { get; set; }
}
