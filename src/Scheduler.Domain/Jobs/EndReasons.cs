namespace Scheduler.Domain.Jobs;

/// <summary>
/// The words a job's history starts with when a pod outcome moves it: <c>Code: what happened; what to do</c>. The code is
/// one CamelCase word (Kubernetes' own where there is one: <c>OOMKilled</c>, <c>ErrImagePull</c>), so the TrainingJob
/// condition, the CLI and the dashboard can show it as the reason and keep the rest as the message. docs/kubernetes.md
/// ("Why a job ended") lists them with the action each asks for.
/// </summary>
public static class EndReasons
{
    /// <summary>A container was killed for using more memory than its limit: Failed, not retried (a rerun fails the same way).</summary>
    public const string OomKilled = "OOMKilled";

    /// <summary>The pod was evicted or disrupted (kubelet pressure, drain, taint manager, <c>DisruptionTarget</c>): requeued, not counted.</summary>
    public const string Evicted = "Evicted";

    /// <summary>The node was deleted under the job: requeued, not counted.</summary>
    public const string NodeLost = "NodeLost";

    /// <summary>The node stayed not ready past the grace: preempted and requeued, not counted.</summary>
    public const string NodeNotReady = "NodeNotReady";

    /// <summary>The image could not be pulled within the configured wait: Failed.</summary>
    public const string ImagePullBackOff = "ImagePullBackOff";

    /// <summary>The container could not be created (a missing Secret or ConfigMap key) within the configured wait: Failed.</summary>
    public const string CreateContainerConfigError = "CreateContainerConfigError";

    /// <summary>The API server refused the job's pods (invalid, over a quota, missing namespace): a failed attempt.</summary>
    public const string PodRefused = "PodRefused";

    /// <summary>The trainer (or the user's command) exited non-zero; the words carry the code and its documented meaning.</summary>
    public const string ExitCode = "ExitCode";

    /// <summary>The trainer rejected the spec or its data (exit 64 or 65): Failed, never retried.</summary>
    public const string InvalidSpec = "InvalidSpec";

    /// <summary>Retryable failures reached the backoff limit.</summary>
    public const string BackoffLimitExceeded = "BackoffLimitExceeded";

    /// <summary>The job ran longer than its <c>maxRuntime</c>.</summary>
    public const string TimeLimit = "TimeLimit";

    /// <summary>
    /// The code a reason starts with (<c>OOMKilled</c> of <c>"OOMKilled: pod … was killed"</c>), or the whole reason when it is
    /// one word (<c>CancelledByUser</c>); null for free text.
    /// </summary>
    public static string? CodeOf(string? reason)
    {
        if (string.IsNullOrEmpty(reason))
        {
            return null;
        }

        var end = reason.IndexOf(':', StringComparison.Ordinal);
        var code = end < 0 ? reason : reason[..end];
        return code.Length is > 0 and <= 64 && char.IsAsciiLetterUpper(code[0]) && code.All(char.IsAsciiLetterOrDigit) ? code : null;
    }

    /// <summary><c>Code: words</c>.</summary>
    public static string Format(string code, string words) => $"{code}: {words}";
}
