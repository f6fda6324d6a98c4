namespace Scheduler.Persistence.Admission;

/// <summary>
/// One job's line in its queue's GPU-hour ledger: charged with the predicted GPU-hours at admission, corrected to the
/// measured GPU-hours when the job ends. A held job (budget exceeded, queue policy <c>hold</c>) is charged nothing
/// until released.
/// </summary>
public sealed class BudgetCharge
{
    public BudgetCharge(Guid jobId, string queue, DateTimeOffset chargedAt, double predictedGpuHours, string? holdReason)
    {
        JobId = jobId;
        Queue = queue;
        ChargedAt = chargedAt;
        PredictedGpuHours = predictedGpuHours;
        HoldReason = holdReason;
        GpuHours = holdReason is null ? predictedGpuHours : 0;
    }

    public Guid JobId { get; private set; }

    public string Queue { get; private set; }

    /// <summary>When the charge was made; the budget period it counts against is the one this instant falls in.</summary>
    public DateTimeOffset ChargedAt { get; private set; }

    public double PredictedGpuHours { get; private set; }

    /// <summary>What the ledger counts now: predicted until the job ends, then measured; 0 while held.</summary>
    public double GpuHours { get; private set; }

    public double? ActualGpuHours { get; private set; }

    /// <summary>Why the job waits for budget; null when it does not.</summary>
    public string? HoldReason { get; private set; }

    public DateTimeOffset? SettledAt { get; private set; }

    public bool IsHeld => HoldReason is not null;

    /// <summary>Counts changes; the store refuses a change made on a stale read (two releases of one hold, a release racing the settlement).</summary>
    public int Revision { get; private set; }

    /// <summary>Charges a held job now, in the period of <paramref name="at"/>.</summary>
    public void Release(DateTimeOffset at)
    {
        HoldReason = null;
        ChargedAt = at;
        GpuHours = PredictedGpuHours;
        Revision++;
    }

    /// <summary>The job ended: the ledger keeps what it really used.</summary>
    public void Settle(double actualGpuHours, DateTimeOffset at)
    {
        ActualGpuHours = actualGpuHours;
        GpuHours = actualGpuHours;
        HoldReason = null;
        SettledAt = at;
        Revision++;
    }
}
