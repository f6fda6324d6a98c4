namespace Scheduler.Persistence;

/// <summary>Names of the constraints whose violations the application turns into answers (409, idempotent replays).</summary>
public static class ConstraintNames
{
    /// <summary>A job name is unique within its queue while the job is active (not Succeeded, Failed or Cancelled).</summary>
    public const string ActiveJobName = "ix_jobs_queue_name_active";

    /// <summary>(job, sequence): two writers that both read version n collide here when their events are inserted.</summary>
    public const string JobEventKey = "pk_job_events";

    public const string IdempotencyKey = "pk_idempotency_keys";

    public const string QueueName = "pk_queues";

    public const string TeamName = "pk_teams";
}
