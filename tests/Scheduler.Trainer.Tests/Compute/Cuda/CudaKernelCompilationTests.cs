using ILGPU.Runtime.Cuda;
using Scheduler.Trainer.Compute.Ilgpu;

namespace Scheduler.Trainer.Tests.Compute.Cuda;

/// <summary>
/// Every kernel the CUDA backend launches, compiled by ILGPU's PTX backend for sm_80 and sm_90 with no device and no
/// driver (what the CUDA accelerator does at a kernel's first launch). Needs no download: runs everywhere.
/// </summary>
public sealed class CudaKernelCompilationTests : IDisposable
{
    /// <summary>Static shared memory a block may declare without the dynamic opt-in, on every architecture.</summary>
    private const int StaticSharedLimit = 48 * 1024;

    private readonly PtxCompiler _compiler = new();

    public static TheoryData<string, string> KernelsAndArchitectures() =>
        new(CudaKernelCatalog.All.SelectMany(k => PtxCompiler.Architectures.Keys.Select(a => (k.Name, a))));

    [Fact]
    public void The_catalog_lists_every_kernel_the_backend_declares() =>
        Assert.Equal(CudaKernelCatalog.Declared().Order(), CudaKernelCatalog.All.Select(k => k.Name).Order());

    [Theory]
    [MemberData(nameof(KernelsAndArchitectures))]
    public void Kernel_compiles_to_PTX_without_libdevice(string kernel, string architecture)
    {
        var ptx = _compiler.Compile(CudaKernelCatalog.All.Single(k => k.Name == kernel), architecture);

        Assert.Contains(".visible .entry " + ptx.EntryName, ptx.Assembly, StringComparison.Ordinal);
        // A call into libdevice (__nv_expf…) would need NVIDIA's libNVVM and libdevice.bc at run time, which images lack.
        Assert.DoesNotContain(".extern .func", ptx.Assembly, StringComparison.Ordinal);
        Assert.False(ptx.UsesDynamicShared, $"{kernel} declares dynamic shared memory, which its launch does not size");
        Assert.InRange(ptx.StaticSharedBytes, 0, StaticSharedLimit);
    }

    [Theory]
    [InlineData(nameof(IlgpuRowKernels.LayerNormForward))]
    [InlineData(nameof(IlgpuRowKernels.CrossEntropy))]
    [InlineData(nameof(IlgpuRowKernels.CausalSoftmax))]
    public void Row_kernel_reduction_tree_holds_a_full_group(string kernel)
    {
        // GroupReduce indexes shared[Group.IdxX]: each of its buffers must hold MaxGroupSize floats.
        var ptx = _compiler.Compile(CudaKernelCatalog.All.Single(k => k.Name == kernel), "sm_90");
        Assert.True(ptx.StaticSharedBytes >= IlgpuRowKernels.MaxGroupSize * sizeof(float));
        Assert.Equal(0, ptx.StaticSharedBytes % (IlgpuRowKernels.MaxGroupSize * sizeof(float)));
    }

    /// <summary>
    /// On a GPU, ILGPU picks the PTX ISA from the driver's version when it creates the accelerator, and refuses an
    /// architecture it has no ISA for. With the CUDA 12 drivers the image (CUDA 12.6 runtime) needs, it must find one for
    /// A100 and H100, and every kernel must compile at it.
    /// </summary>
    [Theory]
    [InlineData(12, 6, "sm_80")]
    [InlineData(12, 6, "sm_90")]
    [InlineData(12, 8, "sm_90")]
    public void ILGPU_finds_an_instruction_set_for_the_GPU_and_driver_and_every_kernel_compiles_at_it(int major, int minor, string architecture)
    {
        Assert.True(
            CudaAccelerator.TryGetInstructionSet(PtxCompiler.Architectures[architecture], CudaDriverVersion.FromMajorMinor(major, minor), out _, out var isa),
            $"ILGPU has no PTX ISA for {architecture} with a CUDA {major}.{minor} driver");
        Assert.All(CudaKernelCatalog.All, kernel => Assert.Contains($".version {isa}", _compiler.Compile(kernel, architecture, isa).Assembly, StringComparison.Ordinal));
    }

    public void Dispose() => _compiler.Dispose();
}
