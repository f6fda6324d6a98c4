using ILGPU;
using ILGPU.Runtime.Cuda;
using Scheduler.Trainer.Compute.Cuda;
using Scheduler.Trainer.Compute.Ilgpu;
using Scheduler.Trainer.Compute.Managed;

namespace Scheduler.Trainer.Compute;

/// <summary>Picks the backend for <c>--device</c>: cpu (managed, fast), cuda (ILGPU kernels + cuBLAS), ilgpu-cpu (ILGPU's emulator).</summary>
internal static class ComputeBackends
{
    public static readonly string[] Devices = ["auto", "cpu", "cuda", "ilgpu-cpu"];

    public static ITensorOps Create(string device, TextWriter log) => device switch
    {
        "cpu" => new ManagedOps(),
        "ilgpu-cpu" => IlgpuOps.CreateCpu(),
        "cuda" => CreateCuda(log),
        "auto" => CudaPresent() ? CreateCuda(log) : new ManagedOps(),
        _ => throw new Training.SpecRejectedException([new("--device", $"must be one of {string.Join(", ", Devices)}")]),
    };

    /// <summary>The catalog entry of the GPU a CUDA backend runs on (device name "NVIDIA H100 80GB HBM3" → product label NVIDIA-H100-80GB-HBM3).</summary>
    public static Domain.Catalog.GpuType? CatalogType(ITensorOps ops, Domain.Catalog.GpuCatalog catalog) =>
        ops is IlgpuOps { Device: "cuda" } cuda ? catalog.FindByProductLabel(cuda.Accelerator.Name.Trim().Replace(' ', '-')) : null;

    /// <summary>
    /// How kernels are compiled for CUDA: fast math (exp/log/sqrt map to the hardware approximations). The offline PTX
    /// checks (make check-cuda) compile with the same settings.
    /// </summary>
    public static Context.Builder CudaKernelSettings(Context.Builder builder) => builder.Math(MathMode.Fast);

    /// <summary>Whether a CUDA driver and at least one CUDA device are present.</summary>
    public static bool CudaPresent()
    {
        NativeLibraries.Register();
        try
        {
            using var context = Context.Create(builder => builder.Cuda());
            return context.GetCudaDevices().Count > 0;
        }
        catch (Exception ex) when (ex is DllNotFoundException or TypeInitializationException or InvalidOperationException or NotSupportedException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    private static IlgpuOps CreateCuda(TextWriter log)
    {
        NativeLibraries.Register();
        Context context;
        try
        {
            context = Context.Create(builder => CudaKernelSettings(builder.Cuda()));
        }
        catch (Exception ex) when (ex is DllNotFoundException or TypeInitializationException or InvalidOperationException or NotSupportedException or EntryPointNotFoundException)
        {
            throw new DeviceUnavailableException("the CUDA driver (libcuda.so.1) could not be loaded", ex);
        }

        if (context.GetCudaDevices().Count == 0)
        {
            context.Dispose();
            throw new DeviceUnavailableException("no CUDA device is visible");
        }

        if (!NativeLibraries.CublasAvailable)
        {
            context.Dispose();
            throw new DeviceUnavailableException("cuBLAS (libcublas.so.13, .so.12 or .so.11) could not be loaded; use an image with the CUDA runtime libraries");
        }

        var accelerator = context.CreateCudaAccelerator(0);
        log.WriteLine($"trainer: CUDA device {accelerator.Name}, {accelerator.MemorySize / (double)(1L << 30):f1} GiB");
        return new IlgpuOps(context, accelerator, _ => new CublasGemm(accelerator));
    }
}
