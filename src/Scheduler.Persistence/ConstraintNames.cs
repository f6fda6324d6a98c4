namespace Scheduler.Persistence;

/// <summary>Names of the constraints whose violations the application turns into answers (409, idempotent replays).</summary>
public static class ConstraintNames
{
    /// <summary>A job name is unique within its queue while the job is active (not Succeeded, Failed or Cancelled).</summary>
    public const string ActiveJobName = "ix_jobs_queue_name_active";

    public const string IdempotencyKey = "pk_idempotency_keys";

    public const string QueueName = "pk_queues";
}
