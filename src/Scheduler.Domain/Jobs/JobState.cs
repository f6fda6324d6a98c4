using System.Text.Json.Serialization;

namespace Scheduler.Domain.Jobs;

[JsonConverter(typeof(JsonStringEnumConverter<JobState>))]
public enum JobState
{
    /// <summary>Accepted and waiting for the scheduler.</summary>
    Queued,
    /// <summary>Quota reserved and nodes chosen; pods are being created.</summary>
    Admitted,
    Running,
    /// <summary>Stopped to make room; goes back to Queued and resumes from its checkpoint.</summary>
    Preempted,
    Succeeded,
    Failed,
    Cancelled,
}
