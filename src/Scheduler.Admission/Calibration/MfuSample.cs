namespace Scheduler.Admission.Calibration;

/// <summary>The utilisation one finished job reached: GPU type, model size and measured MFU (executed FLOPs ÷ peak).</summary>
public sealed record MfuSample(string GpuType, double Parameters, double Mfu)
{
    /// <summary>
    /// The sample for a job from its stored estimate and the throughput its telemetry measured: the MFU at which the
    /// estimate's step time equals the measured one (tokens per step ÷ tokens/s). The estimate's element-wise time,
    /// exposed communication and pipeline bubble stay as priced, so the value is in the unit the estimator divides by,
    /// whatever the trainer's own counter counts, and is not charged twice for what the estimator adds on top.
    /// A throughput faster than the priced overheads allow is recorded as plain FLOPs ÷ peak.
    /// </summary>
    public static MfuSample FromThroughput(Estimate estimate, double tokensPerSecond)
    {
        ArgumentNullException.ThrowIfNull(estimate);
        var plain = tokensPerSecond * estimate.FlopsPerToken / (estimate.Gpus * estimate.PeakTflopsPerGpu * 1e12);
        var step = estimate.StepBreakdown;
        // The estimate's own throughput is Tokens ÷ wall time; a step lasts longer in the ratio of the two throughputs.
        var measuredStep = estimate.StepSeconds * estimate.Tokens / (estimate.WallHours * 3600 * tokensPerSecond);
        var bubblePerBusy = step.Busy > 0 ? step.PipelineBubble / step.Busy : 0;
        var exposed = step.DataParallelExposed + step.TensorParallel + step.ContextParallel + step.ExpertAllToAll;
        var compute = ((measuredStep - exposed) / (1 + bubblePerBusy)) - step.Elementwise;
        var mfu = compute > 0 && step.Compute > 0 && double.IsFinite(measuredStep) ? estimate.Mfu * step.Compute / compute : plain;
        return new MfuSample(estimate.GpuType, estimate.Parameters, mfu);
    }
}
