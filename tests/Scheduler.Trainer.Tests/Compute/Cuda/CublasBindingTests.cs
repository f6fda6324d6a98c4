using System.Reflection;
using System.Runtime.InteropServices;
using Scheduler.Trainer.Compute.Cuda;

namespace Scheduler.Trainer.Tests.Compute.Cuda;

/// <summary>
/// The trainer's own cuBLAS/cuBLASLt P/Invokes against CUDA 11.8's libraries and headers (Debian non-free), with no GPU:
/// every entry point resolves in the real library, and every declaration matches the C prototype parameter by parameter
/// (count, order, width, and the enum type where the binding uses one); the constants the trainer passes match the
/// headers' enumerators, and the heuristic result struct has the C layout.
/// </summary>
public sealed class CublasBindingTests(CudaTools tools) : IClassFixture<CudaTools>
{
    private static readonly Dictionary<string, string> LibraryFiles = new()
    {
        [NativeLibraries.Cublas] = "libcublas.so.11",
        [NativeLibraries.CublasLt] = "libcublasLt.so.11",
    };

    /// <summary>Our enums and the C enum types they stand for.</summary>
    private static readonly Dictionary<Type, string[]> EnumCounterparts = new()
    {
        [typeof(CublasOperation)] = ["cublasOperation_t"],
        [typeof(CudaDataType)] = ["cudaDataType", "cudaDataType_t"],
        [typeof(CublasComputeType)] = ["cublasComputeType_t"],
    };

    public static TheoryData<string> EntryPoints() => new(Bindings().Select(b => b.EntryPoint));

    private static IEnumerable<(MethodInfo Method, string Library, string EntryPoint)> Bindings() =>
        new[] { typeof(CublasNative), typeof(CublasLtNative) }
            .SelectMany(type => type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static))
            .Select(method => (method, import: method.GetCustomAttribute<LibraryImportAttribute>()))
            .Where(x => x.import is not null)
            .Select(x => (x.method, x.import!.LibraryName, x.import.EntryPoint ?? x.method.Name));

    private CHeader Headers() => new(tools.Header("library_types.h"), tools.Header("cublas_api.h"), tools.Header("cublasLt.h"));

    [Fact]
    public void The_binding_list_is_what_the_trainer_declares()
    {
        // Guards the reflection below: if LibraryImport's attribute ever stopped being visible, every theory would be empty.
        var entryPoints = Bindings().Select(b => b.EntryPoint).ToList();
        Assert.Contains("cublasGemmStridedBatchedEx", entryPoints);
        Assert.Contains("cublasLtMatmul", entryPoints);
        Assert.All(Bindings(), b => Assert.Contains(b.Library, LibraryFiles.Keys));
    }

    [Theory]
    [MemberData(nameof(EntryPoints))]
    public void Entry_point_resolves_in_the_CUDA_11_8_library(string entryPoint)
    {
        var binding = Bindings().Single(b => b.EntryPoint == entryPoint);
        // libcublas.so.11 needs libcublasLt.so.11 by soname: loaded first by path, the loader reuses it.
        var lt = NativeLibrary.Load(tools.Library(LibraryFiles[NativeLibraries.CublasLt]));
        var library = binding.Library == NativeLibraries.CublasLt ? lt : NativeLibrary.Load(tools.Library(LibraryFiles[binding.Library]));
        Assert.True(NativeLibrary.TryGetExport(library, entryPoint, out var address), $"{entryPoint} is not exported by {LibraryFiles[binding.Library]}");
        Assert.NotEqual(IntPtr.Zero, address);
    }

    [Theory]
    [MemberData(nameof(EntryPoints))]
    public void Declaration_matches_the_C_prototype(string entryPoint)
    {
        var (method, _, _) = Bindings().Single(b => b.EntryPoint == entryPoint);
        var prototype = Headers().Prototype(entryPoint);
        Assert.NotNull(prototype);
        Assert.Equal(typeof(int), method.ReturnType); // cublasStatus_t
        var ours = method.GetParameters();
        Assert.True(
            ours.Length == prototype.Parameters.Count,
            $"{entryPoint}: {ours.Length} parameters declared, the C prototype has {prototype.Parameters.Count} ({string.Join(", ", prototype.Parameters.Select(p => $"{p.Type} {p.Name}"))})");
        for (var i = 0; i < ours.Length; i++)
        {
            var c = prototype.Parameters[i];
            var what = $"{entryPoint} parameter {i} ({ours[i].Name}: {ours[i].ParameterType.Name} vs C {c.Type} {c.Name})";
            Assert.True(Width(ours[i].ParameterType) == c.Width, $"{what}: width {Width(ours[i].ParameterType)} vs {c.Width}");
            if (EnumCounterparts.TryGetValue(ours[i].ParameterType, out var cTypes))
            {
                Assert.True(cTypes.Contains(c.Type), $"{what}: the C parameter is not a {string.Join("/", cTypes)}");
            }
        }
    }

    [Fact]
    public void Constants_match_the_header_enumerators()
    {
        // Ours first only because xunit's analyzer wants constants as "expected"; the header is the reference.
        var h = Headers();
        Assert.Equal(CublasNative.Success, h.EnumValue("CUBLAS_STATUS_SUCCESS"));
        Assert.Equal((long)CublasOperation.None, h.EnumValue("CUBLAS_OP_N"));
        Assert.Equal((long)CublasOperation.Transpose, h.EnumValue("CUBLAS_OP_T"));
        Assert.Equal((long)CudaDataType.R32F, h.EnumValue("CUDA_R_32F"));
        Assert.Equal((long)CudaDataType.R16BF, h.EnumValue("CUDA_R_16BF"));
        Assert.Equal((long)CublasComputeType.Compute32F, h.EnumValue("CUBLAS_COMPUTE_32F"));
        Assert.Equal(CublasNative.GemmDefault, h.EnumValue("CUBLAS_GEMM_DEFAULT"));
        Assert.Equal(CublasNative.DefaultMath, h.EnumValue("CUBLAS_DEFAULT_MATH"));
        Assert.Equal(CublasLtNative.MatmulDescTransA, h.EnumValue("CUBLASLT_MATMUL_DESC_TRANSA"));
        Assert.Equal(CublasLtNative.MatmulDescTransB, h.EnumValue("CUBLASLT_MATMUL_DESC_TRANSB"));
        Assert.Equal(CublasLtNative.PreferenceMaxWorkspaceBytes, h.EnumValue("CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES"));
        Assert.Equal(CublasLtNative.PreferenceMinAlignmentA, h.EnumValue("CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES"));
        Assert.Equal(CublasLtNative.PreferenceMinAlignmentB, h.EnumValue("CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES"));
        Assert.Equal(CublasLtNative.PreferenceMinAlignmentC, h.EnumValue("CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES"));
        Assert.Equal(CublasLtNative.PreferenceMinAlignmentD, h.EnumValue("CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES"));
    }

    [Fact]
    public void Attribute_values_have_the_width_the_header_documents()
    {
        // CublasGemm passes the transposes as an int (sizeof(int)), the workspace limit as a ulong and the alignments as uints.
        var h = Headers();
        Assert.Equal("int32_t", h.DocumentedType("CUBLASLT_MATMUL_DESC_TRANSA"));
        Assert.Equal("int32_t", h.DocumentedType("CUBLASLT_MATMUL_DESC_TRANSB"));
        Assert.Equal("uint64_t", h.DocumentedType("CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES"));
        Assert.All(["A", "B", "C", "D"], m => Assert.Equal("uint32_t", h.DocumentedType($"CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_{m}_BYTES")));
    }

    [Fact]
    public unsafe void Heuristic_result_has_the_C_layout()
    {
        var h = Headers();
        var fields = h.StructFields("cublasLtMatmulHeuristicResult_t");
        string[] ours = [nameof(CublasLtHeuristicResult.Algorithm), nameof(CublasLtHeuristicResult.WorkspaceSize),
            nameof(CublasLtHeuristicResult.State), nameof(CublasLtHeuristicResult.WavesCount), nameof(CublasLtHeuristicResult.Reserved)];
        Assert.Equal(fields.Count, ours.Length);
        var offset = 0;
        for (var i = 0; i < fields.Count; i++)
        {
            var (size, align) = h.Layout(fields[i].Type);
            offset = (offset + align - 1) / align * align;
            Assert.True(offset == (int)Marshal.OffsetOf<CublasLtHeuristicResult>(ours[i]), $"{fields[i].Name}: C offset {offset}, ours {Marshal.OffsetOf<CublasLtHeuristicResult>(ours[i])}");
            offset += size * fields[i].Count;
        }

        Assert.Equal(h.Layout("cublasLtMatmulHeuristicResult_t").Size, sizeof(CublasLtHeuristicResult));
        Assert.Equal(8 * sizeof(ulong), h.Layout("cublasLtMatmulAlgo_t").Size);
    }

    [Fact]
    public void The_probe_lists_name_the_CUDA_11_libraries_after_12()
    {
        Assert.True(Array.IndexOf(NativeLibraries.CublasNames, "libcublas.so.11") > Array.IndexOf(NativeLibraries.CublasNames, "libcublas.so.12"));
        Assert.True(Array.IndexOf(NativeLibraries.CublasLtNames, "libcublasLt.so.11") > Array.IndexOf(NativeLibraries.CublasLtNames, "libcublasLt.so.12"));
        Assert.All(LibraryFiles.Values, file => Assert.True(File.Exists(tools.Library(file)), $"{file} was not installed"));
    }

    private static CWidth Width(Type type)
    {
        if (type.IsByRef || type.IsPointer || type == typeof(IntPtr))
        {
            return CWidth.Pointer;
        }

        if (type.IsEnum)
        {
            type = Enum.GetUnderlyingType(type);
        }

        return type switch
        {
            _ when type == typeof(int) => CWidth.Int32,
            _ when type == typeof(long) => CWidth.Int64,
            _ when type == typeof(ulong) => CWidth.UInt64,
            _ when type == typeof(UIntPtr) => CWidth.SizeT,
            _ when type == typeof(float) => CWidth.Float,
            _ => throw new InvalidOperationException($"no C width for {type}"),
        };
    }
}
