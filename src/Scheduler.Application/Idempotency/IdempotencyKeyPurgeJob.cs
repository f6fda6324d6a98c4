using Mediator;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Quartz;

namespace Scheduler.Application.Idempotency;

/// <summary>
/// Quartz job: sends <see cref="PurgeExpiredIdempotencyKeys"/> once at start, then every <c>Scheduler:Intervals:IdempotencyCleanup</c>
/// (the chart's <c>scheduler.intervals.idempotencyCleanup</c>; <see cref="DefaultInterval"/> when unset).
/// </summary>
[DisallowConcurrentExecution]
internal sealed partial class IdempotencyKeyPurgeJob(ISender sender, ILogger<IdempotencyKeyPurgeJob> logger) : IJob
{
    public static readonly JobKey Key = new("purge-expired-idempotency-keys", "maintenance");

    public const string IntervalKey = "Scheduler:Intervals:IdempotencyCleanup";

    public static readonly TimeSpan DefaultInterval = TimeSpan.FromHours(1);

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
        quartz.AddTrigger((services, trigger) => trigger.ForJob(Key).WithIdentity($"{Key.Name}-trigger", Key.Group).StartNow()
            .WithSimpleSchedule(schedule => schedule.WithInterval(
                services.GetRequiredService<IConfiguration>().GetValue(IntervalKey, DefaultInterval)).RepeatForever()));
    }

    [LoggerMessage(EventId = 2201, Level = LogLevel.Information, Message = "Purged {Count} expired idempotency keys")]
    private static partial void LogPurged(ILogger logger, int count);
}
