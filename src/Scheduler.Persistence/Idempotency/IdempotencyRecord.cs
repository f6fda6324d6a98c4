namespace Scheduler.Persistence.Idempotency;

/// <summary>An <c>Idempotency-Key</c> header seen on a submission and the job it created, kept until <see cref="ExpiresAt"/>.</summary>
public sealed class IdempotencyRecord(string key, Guid jobId, DateTimeOffset createdAt, DateTimeOffset expiresAt)
{
    public const int MaxKeyLength = 255;

    public string Key { get; private set; } = key;

    public Guid JobId { get; private set; } = jobId;

    public DateTimeOffset CreatedAt { get; private set; } = createdAt;

    public DateTimeOffset ExpiresAt { get; private set; } = expiresAt;

    /// <summary>Reuses an expired key for a new job.</summary>
    public void Renew(Guid jobId, DateTimeOffset createdAt, DateTimeOffset expiresAt)
    {
        JobId = jobId;
        CreatedAt = createdAt;
        ExpiresAt = expiresAt;
    }
}
