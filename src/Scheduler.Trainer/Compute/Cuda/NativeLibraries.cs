using System.Reflection;
using System.Runtime.InteropServices;

namespace Scheduler.Trainer.Compute.Cuda;

/// <summary>
/// Resolves the CUDA libraries by the names containers actually have. ILGPU asks for <c>libcuda.so</c>, which only the
/// driver's development package provides; the NVIDIA container runtime mounts <c>libcuda.so.1</c>. cuBLAS and cuBLASLt
/// carry their major version in the file name: 13, then 12, then 11 (CUDA 11.8 knows Hopper; every entry point and
/// constant the trainer uses is the same there, checked against 11.8's headers and libraries by make check-cuda).
/// </summary>
internal static class NativeLibraries
{
    public const string Cublas = "cublas";
    public const string CublasLt = "cublasLt";

    private static readonly string[] CudaDriverNames = ["libcuda.so.1", "libcuda.so"];
    internal static readonly string[] CublasNames = ["libcublas.so.13", "libcublas.so.12", "libcublas.so.11", "libcublas.so"];
    internal static readonly string[] CublasLtNames = ["libcublasLt.so.13", "libcublasLt.so.12", "libcublasLt.so.11", "libcublasLt.so"];
    private static int _registered;

    public static void Register()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 1)
        {
            return;
        }

        NativeLibrary.SetDllImportResolver(typeof(ILGPU.Context).Assembly, ResolveForIlgpu);
        NativeLibrary.SetDllImportResolver(typeof(NativeLibraries).Assembly, ResolveForTrainer);
    }

    /// <summary>The first of <paramref name="names"/> that loads, or zero (the runtime then tries its default probing).</summary>
    public static IntPtr Probe(IEnumerable<string> names)
    {
        foreach (var name in names)
        {
            if (NativeLibrary.TryLoad(name, out var handle))
            {
                return handle;
            }
        }

        return IntPtr.Zero;
    }

    private static IntPtr ResolveForIlgpu(string name, Assembly assembly, DllImportSearchPath? path) =>
        name is "cuda" or "libcuda" or "libcuda.so" or "nvcuda" ? Probe(CudaDriverNames) : IntPtr.Zero;

    private static IntPtr ResolveForTrainer(string name, Assembly assembly, DllImportSearchPath? path) => name switch
    {
        Cublas => Probe(CublasNames),
        CublasLt => Probe(CublasLtNames),
        _ => IntPtr.Zero,
    };

    public static bool CublasAvailable => Probe(CublasNames) != IntPtr.Zero;

    public static bool CublasLtAvailable => Probe(CublasLtNames) != IntPtr.Zero;
}
