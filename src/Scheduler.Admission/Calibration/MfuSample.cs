namespace Scheduler.Admission.Calibration;

/// <summary>The utilisation one finished job reached: GPU type, model size and measured MFU (executed FLOPs ÷ peak).</summary>
public sealed record MfuSample(string GpuType, double Parameters, double Mfu)
{
    /// <summary>
    /// The sample for a job from its stored estimate and the throughput its telemetry measured: tokens/s × the
    /// estimate's FLOPs per token ÷ (GPUs × the peak the estimate priced against). Counting FLOPs the estimator's way
    /// keeps the calibrated value in the unit the estimator divides by, whatever the trainer's own counter counts.
    /// </summary>
    public static MfuSample FromThroughput(Estimate estimate, double tokensPerSecond)
    {
        ArgumentNullException.ThrowIfNull(estimate);
        var mfu = tokensPerSecond * estimate.FlopsPerToken / (estimate.Gpus * estimate.PeakTflopsPerGpu * 1e12);
        return new MfuSample(estimate.GpuType, estimate.Parameters, mfu);
    }
}
