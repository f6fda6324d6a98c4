using Quartz;

namespace Scheduler.Operator.Cycle;

/// <summary>The Quartz-triggered cycle (<c>Scheduler:Intervals:SchedulingCycle</c>): asks the leader's loop for a cycle; followers' requests go unread.</summary>
[DisallowConcurrentExecution]
internal sealed class CycleTimerJob(CycleTrigger trigger) : IJob
{
    public static readonly JobKey Key = new("scheduling-cycle", "gpu-scheduler");

    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        trigger.Request();
        return ValueTask.CompletedTask;
    }
}
