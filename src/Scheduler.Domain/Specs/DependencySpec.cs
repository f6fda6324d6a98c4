using System.Text.Json.Serialization;

namespace Scheduler.Domain.Specs;

/// <summary>A job this one waits for (Slurm's <c>--dependency</c>): it starts only once <see cref="Job"/> ended as <see cref="Type"/> asks.</summary>
public sealed record DependencySpec
{
    public DependencyType? Type { get; init; }

    /// <summary>
    /// The job's id, an array's id (every task counts), or a name in the same queue (the newest job of that name, or the
    /// newest array whose tasks are named <c>&lt;name&gt;-&lt;index&gt;</c>). Submission stores the id it resolved to.
    /// </summary>
    public string? Job { get; init; }
}

[JsonConverter(typeof(JsonStringEnumConverter<DependencyType>))]
public enum DependencyType
{
    /// <summary>Start once the job succeeded; never if it failed or was cancelled.</summary>
    [JsonStringEnumMemberName("afterok")] AfterOk,
    /// <summary>Start once the job ended, whatever its outcome.</summary>
    [JsonStringEnumMemberName("afterany")] AfterAny,
    /// <summary>Start once the job failed or was cancelled; never if it succeeded.</summary>
    [JsonStringEnumMemberName("afternotok")] AfterNotOk,
}
