namespace Scheduler.Persistence.Notifications;

/// <summary>
/// One webhook call owed for one job event: the outbox row, written in the transaction that recorded the event
/// (<see cref="NotificationOutbox"/>), so a crash cannot lose it. The delivery worker claims due rows, posts them and records
/// each attempt here until the receiver answers 2xx (<see cref="DeliveredAt"/>) or the attempts run out (<see cref="GaveUpAt"/>).
/// </summary>
public sealed class NotificationDelivery
{
    public Guid Id { get; set; }

    public Guid JobId { get; set; }

    /// <summary>The job event's sequence (its version after the change): with the URL, what makes a delivery unique.</summary>
    public int Sequence { get; set; }

    public string Url { get; set; } = string.Empty;

    /// <summary>The subscribed event's name (<c>Started</c>, <c>Failed</c>, ...).</summary>
    public string Event { get; set; } = string.Empty;

    public string Reason { get; set; } = string.Empty;

    /// <summary>When the event happened.</summary>
    public DateTimeOffset At { get; set; }

    /// <summary>Calls made so far.</summary>
    public int Attempts { get; set; }

    /// <summary>When the next call is due; the worker claims rows whose time has come.</summary>
    public DateTimeOffset NextAttemptAt { get; set; }

    public DateTimeOffset? LastAttemptAt { get; set; }

    /// <summary>The receiver's HTTP status on the last call; null when it did not answer.</summary>
    public int? LastStatus { get; set; }

    /// <summary>Why the last call failed, in words (status, timeout, connection refused).</summary>
    public string? LastError { get; set; }

    public DateTimeOffset? DeliveredAt { get; set; }

    public DateTimeOffset? GaveUpAt { get; set; }
}
