namespace Scheduler.Kubernetes.Resources;

/// <summary>The API group and version of our custom resources, and their plural (URL) names.</summary>
public static class GpuSchedulerApi
{
    public const string Group = "gpu-scheduler.io";
    public const string Version = "v1alpha1";
    public const string ApiVersion = Group + "/" + Version;

    public const string TrainingJobKind = "TrainingJob";
    public const string TrainingJobPlural = "trainingjobs";
    public const string GpuQueueKind = "GpuQueue";
    public const string GpuQueuePlural = "gpuqueues";
}
