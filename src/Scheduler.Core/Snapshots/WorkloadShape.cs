namespace Scheduler.Core.Snapshots;

/// <summary>One task shape and how often it occurs; the fragmentation-aware policy keeps capacity usable for the likely shapes.</summary>
public sealed record WorkloadShape(int Gpus, int GpuMilli, long CpuMilli, long MemoryMiB, double Weight, IReadOnlyList<string>? GpuTypes = null);
