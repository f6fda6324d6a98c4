namespace Scheduler.Admission.Calibration;

/// <summary>The utilisation one finished job reached: GPU type, model size and measured MFU (executed FLOPs ÷ peak).</summary>
public sealed record MfuSample(string GpuType, double Parameters, double Mfu)
{
    /// <summary>
    /// The sample for a job from its stored estimate and the throughput telemetry measured: tokens/s × the estimate's
    /// FLOPs per token ÷ (GPUs × the peak the estimate priced against). Using the estimator's own FLOP count keeps the
    /// calibrated value in the unit the estimator divides by, whatever the trainer counts.
    /// </summary>
    public static MfuSample FromThroughput(Estimate estimate, double tokensPerSecond, double peakFlopsPerGpu)
    {
        ArgumentNullException.ThrowIfNull(estimate);
        return new MfuSample(estimate.GpuType, estimate.Parameters, tokensPerSecond * estimate.FlopsPerToken / (estimate.Gpus * peakFlopsPerGpu));
    }
}
