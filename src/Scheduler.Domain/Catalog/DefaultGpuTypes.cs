namespace Scheduler.Domain.Catalog;

/// <summary>
/// Shipped catalog defaults from the vendors' data sheets (dense tensor peaks, no sparsity). GPUs without bf16 (V100, T4)
/// list their fp16 tensor peak. Memory is the total <c>nvidia-smi</c> reports (MiB ÷ 1024), not the marketing figure:
/// admission must not promise a T4 16 GiB when it has 15. Default MFU values are typical large-model training
/// efficiencies (docs/admission.md gives the reasoning per family; docs/benchmarks/estimator.md the check against
/// published runs); telemetry refines them per model-size band.
/// </summary>
internal static class DefaultGpuTypes
{
    public static IReadOnlyList<GpuType> All { get; } =
    [
        Gpu("V100-16GB", 15.78, 125, 15.7, 900, 150, 12.5, 0.35, "Tesla-V100-SXM2-16GB", "Tesla-V100-PCIE-16GB"),
        Gpu("V100-32GB", 31.75, 125, 15.7, 900, 150, 12.5, 0.35, "Tesla-V100-SXM2-32GB", "Tesla-V100-PCIE-32GB"),
        Gpu("T4", 15, 65, 8.1, 320, 16, 3.125, 0.30, "Tesla-T4"),
        Gpu("A10", 22.49, 125, 31.2, 600, 32, 3.125, 0.35, "NVIDIA-A10"),
        Gpu("L4", 22.49, 121, 30.3, 300, 32, 3.125, 0.35, "NVIDIA-L4"),
        Gpu("L40S", 44.99, 362, 91.6, 864, 32, 12.5, 0.38, "NVIDIA-L40S"),
        // Same chip as the 80 GB part with a quarter less memory bandwidth and room for smaller micro-batches only.
        Gpu("A100-40GB", 40, 312, 19.5, 1555, 300, 25, 0.42, "NVIDIA-A100-SXM4-40GB", "NVIDIA-A100-PCIE-40GB"),
        Gpu("A100-80GB", 80, 312, 19.5, 2039, 300, 25, 0.45, "NVIDIA-A100-SXM4-80GB", "NVIDIA-A100-80GB-PCIe"),
        Gpu("H100-PCIe", 79.65, 756, 51, 2000, 64, 25, 0.40, "NVIDIA-H100-PCIe"),
        Gpu("H100-SXM", 79.65, 989, 67, 3350, 450, 50, 0.40, "NVIDIA-H100-80GB-HBM3", "NVIDIA-H100-SXM5-80GB"),
        Gpu("H200", 140.4, 989, 67, 4800, 450, 50, 0.42, "NVIDIA-H200", "NVIDIA-H200-141GB-HBM3e"),
        Gpu("B200", 179.06, 2250, 80, 8000, 900, 100, 0.40, "NVIDIA-B200"),
    ];

    private static GpuType Gpu(
        string name, double memoryGiB, double bf16, double fp32, double memoryBandwidth, double intraNode, double interNode, double mfu,
        params string[] productLabels) => new()
        {
            Name = name,
            MemoryGiB = memoryGiB,
            Bf16Tflops = bf16,
            Fp32Tflops = fp32,
            MemoryBandwidthGBps = memoryBandwidth,
            IntraNodeBandwidthGBps = intraNode,
            InterNodeBandwidthGBps = interNode,
            DefaultMfu = mfu,
            ProductLabels = productLabels,
        };
}
