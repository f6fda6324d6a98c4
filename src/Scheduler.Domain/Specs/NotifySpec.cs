using System.Text.Json.Serialization;
using Scheduler.Domain.Jobs;

namespace Scheduler.Domain.Specs;

/// <summary>A webhook told of the job's lifecycle events (<c>notify: [{url, events}]</c>), signed and retried from an outbox.</summary>
public sealed record NotifySpec
{
    /// <summary>Absolute https URL (http only to hosts the installation allows, for local testing).</summary>
    public string? Url { get; init; }

    /// <summary>The events posted to <see cref="Url"/>; others are not sent.</summary>
    public IReadOnlyList<NotificationEvent>? Events { get; init; }
}

/// <summary>The lifecycle events a webhook may subscribe to: the job's transitions people act on.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<NotificationEvent>))]
public enum NotificationEvent
{
    /// <summary>Quota reserved and nodes chosen.</summary>
    Admitted,
    /// <summary>All pods of the attempt run.</summary>
    Started,
    /// <summary>Stopped to make room; it is queued again.</summary>
    Preempted,
    Succeeded,
    Failed,
    Cancelled,
}

public static class NotificationEvents
{
    /// <summary>The event a transition into <paramref name="state"/> is; null for states no one subscribes to (queued).</summary>
    public static NotificationEvent? For(JobState state) => state switch
    {
        JobState.Admitted => NotificationEvent.Admitted,
        JobState.Running => NotificationEvent.Started,
        JobState.Preempted => NotificationEvent.Preempted,
        JobState.Succeeded => NotificationEvent.Succeeded,
        JobState.Failed => NotificationEvent.Failed,
        JobState.Cancelled => NotificationEvent.Cancelled,
        _ => null,
    };
}
