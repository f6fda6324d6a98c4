using Mediator;
using Microsoft.Extensions.Logging;
using Quartz;

namespace Scheduler.Application.Idempotency;

/// <summary>Quartz job: sends <see cref="PurgeExpiredIdempotencyKeys"/> every <see cref="Interval"/> (and once at start).</summary>
[DisallowConcurrentExecution]
internal sealed partial class IdempotencyKeyPurgeJob(ISender sender, ILogger<IdempotencyKeyPurgeJob> logger) : IJob
{
    public static readonly JobKey Key = new("purge-expired-idempotency-keys", "maintenance");

    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var purged = await sender.Send(new PurgeExpiredIdempotencyKeys(), cancellationToken);
        LogPurged(logger, purged);
    }

    /// <summary>Adds the job and its trigger to the scheduler's configuration.</summary>
    public static void Schedule(IQuartzBuilder quartz)
    {
        ArgumentNullException.ThrowIfNull(quartz);
        quartz.AddJob<IdempotencyKeyPurgeJob>(job => job.WithIdentity(Key));
        quartz.AddTrigger(trigger => trigger.ForJob(Key).WithIdentity($"{Key.Name}-trigger", Key.Group).StartNow()
            .WithSimpleSchedule(schedule => schedule.WithInterval(Interval).RepeatForever()));
    }

    [LoggerMessage(EventId = 2201, Level = LogLevel.Information, Message = "Purged {Count} expired idempotency keys")]
    private static partial void LogPurged(ILogger logger, int count);
}
