using System.Runtime.InteropServices;

namespace Scheduler.Trainer.Compute.Cuda;

// Our own bindings: ILGPU.Algorithms' cuBLAS wrapper knows only libcublas.so.10–12 and has neither GemmEx, bf16 nor cuBLASLt.
// Values from cublas_api.h, library_types.h and cublasLt.h (CUDA 12).

internal enum CublasOperation
{
    None = 0,
    Transpose = 1,
}

internal enum CudaDataType
{
    R32F = 0,
    R16BF = 14,
}

internal enum CublasComputeType
{
    Compute32F = 68,
}

internal static partial class CublasNative
{
    public const int Success = 0;
    /// <summary>CUBLAS_GEMM_DEFAULT: cuBLAS picks the algorithm (tensor cores for bf16 inputs).</summary>
    public const int GemmDefault = -1;

    /// <summary>CUBLAS_DEFAULT_MATH: fp32 GEMMs stay fp32 (no TF32), which the fp32 agreement check relies on.</summary>
    public const int DefaultMath = 0;

    [LibraryImport(NativeLibraries.Cublas, EntryPoint = "cublasCreate_v2")]
    public static partial int Create(out IntPtr handle);

    [LibraryImport(NativeLibraries.Cublas, EntryPoint = "cublasDestroy_v2")]
    public static partial int Destroy(IntPtr handle);

    [LibraryImport(NativeLibraries.Cublas, EntryPoint = "cublasSetStream_v2")]
    public static partial int SetStream(IntPtr handle, IntPtr stream);

    [LibraryImport(NativeLibraries.Cublas, EntryPoint = "cublasSetMathMode")]
    public static partial int SetMathMode(IntPtr handle, int mode);

    [LibraryImport(NativeLibraries.Cublas, EntryPoint = "cublasGemmEx")]
    public static unsafe partial int GemmEx(
        IntPtr handle, CublasOperation transA, CublasOperation transB, int m, int n, int k,
        float* alpha, IntPtr a, CudaDataType aType, int lda, IntPtr b, CudaDataType bType, int ldb,
        float* beta, IntPtr c, CudaDataType cType, int ldc, CublasComputeType computeType, int algorithm);

    [LibraryImport(NativeLibraries.Cublas, EntryPoint = "cublasGemmStridedBatchedEx")]
    public static unsafe partial int GemmStridedBatchedEx(
        IntPtr handle, CublasOperation transA, CublasOperation transB, int m, int n, int k,
        float* alpha, IntPtr a, CudaDataType aType, int lda, long strideA, IntPtr b, CudaDataType bType, int ldb, long strideB,
        float* beta, IntPtr c, CudaDataType cType, int ldc, long strideC, int batchCount, CublasComputeType computeType, int algorithm);
}

/// <summary>cublasLtMatmulHeuristicResult_t: the algorithm (64 opaque bytes), its workspace, status and waves.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CublasLtHeuristicResult
{
    public fixed ulong Algorithm[8];
    public nuint WorkspaceSize;
    public int State;
    public float WavesCount;
    public fixed int Reserved[4];
}

internal static partial class CublasLtNative
{
    public const int MatmulDescTransA = 3;
    public const int MatmulDescTransB = 4;
    public const int PreferenceMaxWorkspaceBytes = 1;

    /// <summary>CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_{A,B,C,D}_BYTES (uint32_t, default 256): the heuristic only returns
    /// algorithms that work with operands this aligned.</summary>
    public const int PreferenceMinAlignmentA = 5;
    public const int PreferenceMinAlignmentB = 6;
    public const int PreferenceMinAlignmentC = 7;
    public const int PreferenceMinAlignmentD = 8;

    [LibraryImport(NativeLibraries.CublasLt, EntryPoint = "cublasLtCreate")]
    public static partial int Create(out IntPtr handle);

    [LibraryImport(NativeLibraries.CublasLt, EntryPoint = "cublasLtDestroy")]
    public static partial int Destroy(IntPtr handle);

    [LibraryImport(NativeLibraries.CublasLt, EntryPoint = "cublasLtMatmulDescCreate")]
    public static partial int MatmulDescCreate(out IntPtr desc, CublasComputeType computeType, CudaDataType scaleType);

    [LibraryImport(NativeLibraries.CublasLt, EntryPoint = "cublasLtMatmulDescDestroy")]
    public static partial int MatmulDescDestroy(IntPtr desc);

    [LibraryImport(NativeLibraries.CublasLt, EntryPoint = "cublasLtMatmulDescSetAttribute")]
    public static unsafe partial int MatmulDescSetAttribute(IntPtr desc, int attribute, void* value, nuint size);

    [LibraryImport(NativeLibraries.CublasLt, EntryPoint = "cublasLtMatrixLayoutCreate")]
    public static partial int MatrixLayoutCreate(out IntPtr layout, CudaDataType type, ulong rows, ulong columns, long leadingDimension);

    [LibraryImport(NativeLibraries.CublasLt, EntryPoint = "cublasLtMatrixLayoutDestroy")]
    public static partial int MatrixLayoutDestroy(IntPtr layout);

    [LibraryImport(NativeLibraries.CublasLt, EntryPoint = "cublasLtMatmulPreferenceCreate")]
    public static partial int PreferenceCreate(out IntPtr preference);

    [LibraryImport(NativeLibraries.CublasLt, EntryPoint = "cublasLtMatmulPreferenceDestroy")]
    public static partial int PreferenceDestroy(IntPtr preference);

    [LibraryImport(NativeLibraries.CublasLt, EntryPoint = "cublasLtMatmulPreferenceSetAttribute")]
    public static unsafe partial int PreferenceSetAttribute(IntPtr preference, int attribute, void* value, nuint size);

    [LibraryImport(NativeLibraries.CublasLt, EntryPoint = "cublasLtMatmulAlgoGetHeuristic")]
    public static unsafe partial int AlgoGetHeuristic(
        IntPtr handle, IntPtr operation, IntPtr aDesc, IntPtr bDesc, IntPtr cDesc, IntPtr dDesc, IntPtr preference,
        int requested, CublasLtHeuristicResult* results, out int returned);

    [LibraryImport(NativeLibraries.CublasLt, EntryPoint = "cublasLtMatmul")]
    public static unsafe partial int Matmul(
        IntPtr handle, IntPtr operation, float* alpha, IntPtr a, IntPtr aDesc, IntPtr b, IntPtr bDesc, float* beta,
        IntPtr c, IntPtr cDesc, IntPtr d, IntPtr dDesc, void* algorithm, IntPtr workspace, nuint workspaceSize, IntPtr stream);
}
