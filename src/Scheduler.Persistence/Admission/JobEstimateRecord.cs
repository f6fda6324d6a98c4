namespace Scheduler.Persistence.Admission;

/// <summary>
/// The estimate a job was admitted with: the whole estimate as <c>jsonb</c> (the API's JSON shape) and, as plain columns
/// for queries, the GPU type priced, predicted GPU-hours, per-GPU memory and the MFU used.
/// </summary>
public sealed class JobEstimateRecord
{
    public JobEstimateRecord(Guid jobId, string estimateJson, string gpuType, double predictedGpuHours, double memoryPerGpuGiB, double gpus, double mfu, string mfuSource)
    {
        JobId = jobId;
        EstimateJson = estimateJson;
        GpuType = gpuType;
        PredictedGpuHours = predictedGpuHours;
        MemoryPerGpuGiB = memoryPerGpuGiB;
        Gpus = gpus;
        Mfu = mfu;
        MfuSource = mfuSource;
    }

    public Guid JobId { get; private set; }

    public string EstimateJson { get; private set; }

    public string GpuType { get; private set; }

    public double PredictedGpuHours { get; private set; }

    public double MemoryPerGpuGiB { get; private set; }

    /// <summary>GPUs the job occupies (a fraction with <c>gpuMilli</c>).</summary>
    public double Gpus { get; private set; }

    public double Mfu { get; private set; }

    public string MfuSource { get; private set; }

    /// <summary>The job was placed: its estimate repriced for the placement's interconnect (same GPU type, GPUs and MFU).</summary>
    public void Reprice(string estimateJson, double predictedGpuHours)
    {
        EstimateJson = estimateJson;
        PredictedGpuHours = predictedGpuHours;
    }
}
