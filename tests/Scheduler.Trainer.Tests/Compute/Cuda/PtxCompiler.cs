using System.Globalization;
using System.Text.RegularExpressions;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using Scheduler.Trainer.Compute;

namespace Scheduler.Trainer.Tests.Compute.Cuda;

/// <summary>One kernel compiled to PTX for one architecture.</summary>
internal sealed partial record PtxKernel(CudaKernel Kernel, string Architecture, string EntryName, string Assembly)
{
    /// <summary>Static shared memory the PTX declares (<c>.shared .align A .b8 name[N];</c>), in bytes.</summary>
    public int StaticSharedBytes => SharedDeclaration().Matches(Assembly).Sum(m => int.Parse(m.Groups["bytes"].Value, CultureInfo.InvariantCulture));

    /// <summary>Whether the kernel asks for dynamic shared memory (<c>.extern .shared</c>), which a launch must size.</summary>
    public bool UsesDynamicShared => Assembly.Contains(".extern .shared", StringComparison.Ordinal);

    [GeneratedRegex(@"^\s*\.shared\s+(?:\.align\s+\d+\s+)?\.b8\s+\S+\[(?<bytes>\d+)\]\s*;", RegexOptions.Multiline)]
    private static partial Regex SharedDeclaration();
}

/// <summary>
/// ILGPU's PTX backend without a device or a driver: the same compiler the CUDA accelerator runs at first use, with the
/// trainer's CUDA context settings. PTX ISA 7.8 is the newest that CUDA 11.8's ptxas reads and the oldest that knows
/// sm_90; on a GPU ILGPU picks the newest ISA the driver supports, which changes the header, not the kernel body.
/// </summary>
internal sealed class PtxCompiler : IDisposable
{
    public static readonly IReadOnlyDictionary<string, CudaArchitecture> Architectures = new Dictionary<string, CudaArchitecture>
    {
        ["sm_80"] = CudaArchitecture.SM_80,
        ["sm_90"] = CudaArchitecture.SM_90,
    };

    private readonly Context _context = Context.Create(builder => ComputeBackends.CudaKernelSettings(builder.Cuda()));

    public PtxKernel Compile(CudaKernel kernel, string architecture) => Compile(kernel, architecture, CudaInstructionSet.ISA_78);

    public PtxKernel Compile(CudaKernel kernel, string architecture, CudaInstructionSet instructionSet)
    {
        using var backend = new PTXBackend(_context, Architectures[architecture], instructionSet, nvvmAPI: null!);
        var entry = kernel.Grouping == KernelGrouping.Implicit
            ? EntryPointDescription.FromImplicitlyGroupedKernel(kernel.Method)
            : EntryPointDescription.FromExplicitlyGroupedKernel(kernel.Method);
        var compiled = (PTXCompiledKernel)backend.Compile(entry, KernelSpecialization.Empty);
        return new PtxKernel(kernel, architecture, compiled.Name, compiled.PTXAssembly);
    }

    public void Dispose() => _context.Dispose();
}
