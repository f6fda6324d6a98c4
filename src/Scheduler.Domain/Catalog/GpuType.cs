namespace Scheduler.Domain.Catalog;

/// <summary>
/// One GPU model as the estimator and the scheduler see it. Peaks are dense (no sparsity), per GPU.
/// Bandwidths are per GPU and per direction, in GB/s (1e9 bytes).
/// </summary>
public sealed record GpuType
{
    public required string Name { get; init; }

    /// <summary>Usable device memory in GiB.</summary>
    public required double MemoryGiB { get; init; }

    /// <summary>Dense 16-bit tensor-core peak (bf16, or fp16 on GPUs without bf16) in TFLOP/s.</summary>
    public required double Bf16Tflops { get; init; }

    public required double Fp32Tflops { get; init; }

    public required double MemoryBandwidthGBps { get; init; }

    /// <summary>GPU-to-GPU bandwidth inside a node (NVLink, or PCIe where there is none).</summary>
    public required double IntraNodeBandwidthGBps { get; init; }

    /// <summary>Network bandwidth between nodes available to one GPU.</summary>
    public required double InterNodeBandwidthGBps { get; init; }

    /// <summary>Model FLOPs utilisation assumed before telemetry calibrates it.</summary>
    public required double DefaultMfu { get; init; }

    /// <summary>Values of the <c>nvidia.com/gpu.product</c> node label that mean this type.</summary>
    public IReadOnlyList<string> ProductLabels { get; init; } = [];
}
