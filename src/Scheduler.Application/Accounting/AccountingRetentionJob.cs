using Mediator;
using Microsoft.Extensions.Logging;
using Quartz;

namespace Scheduler.Application.Accounting;

/// <summary>Quartz job: sends <see cref="PurgeAccountingHistory"/> once at start, then every <see cref="Interval"/>.</summary>
[DisallowConcurrentExecution]
internal sealed partial class AccountingRetentionJob(ISender sender, ILogger<AccountingRetentionJob> logger) : IJob
{
    public static readonly JobKey Key = new("purge-accounting-history", "maintenance");

    /// <summary>The horizon moves a day a day; a daily purge keeps at most a day's worth of jobs beyond it.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromDays(1);

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var purge = await sender.Send(new PurgeAccountingHistory(), cancellationToken);
        LogPurged(logger, purge.Jobs, purge.Horizon);
    }

    public static void Schedule(IQuartzBuilder quartz)
    {
        ArgumentNullException.ThrowIfNull(quartz);
        quartz.AddJob<AccountingRetentionJob>(job => job.WithIdentity(Key));
        quartz.AddTrigger(trigger => trigger.ForJob(Key).WithIdentity($"{Key.Name}-trigger", Key.Group).StartNow()
            .WithSimpleSchedule(schedule => schedule.WithInterval(Interval).RepeatForever()));
    }

    [LoggerMessage(EventId = 2202, Level = LogLevel.Information, Message = "Accounting retention: deleted {Count} jobs that ended before {Horizon}")]
    private static partial void LogPurged(ILogger logger, int count, DateTimeOffset horizon);
}
