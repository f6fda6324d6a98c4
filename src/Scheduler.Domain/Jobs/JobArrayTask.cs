namespace Scheduler.Domain.Jobs;

/// <summary>Which array a job is a task of, and its index there (0 to the array's count − 1).</summary>
public sealed record JobArrayTask(Guid ArrayId, int Index);
