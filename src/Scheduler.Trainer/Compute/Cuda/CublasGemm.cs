using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using Scheduler.Trainer.Compute.Ilgpu;

namespace Scheduler.Trainer.Compute.Cuda;

/// <summary>
/// GEMMs on cuBLAS, on the ILGPU accelerator's stream so they order with the kernels. Row-major problems are handed to
/// column-major cuBLAS as Cᵀ = op(B)ᵀ·op(A)ᵀ. Single GEMMs go through cuBLASLt (heuristic algorithm, cached per shape),
/// falling back to <c>cublasGemmEx</c>; attention's batched GEMMs use <c>cublasGemmStridedBatchedEx</c>. In bf16 mode both
/// inputs are converted to bf16 by a kernel first and accumulation stays fp32 (CUBLAS_COMPUTE_32F).
/// </summary>
internal sealed unsafe class CublasGemm : IGemmEngine
{
    /// <summary>cuBLASLt's workspace, allocated once.</summary>
    internal const long WorkspaceBytes = 32L << 20;
    private readonly CudaAccelerator _accelerator;
    private readonly IntPtr _stream;
    private readonly IntPtr _handle;
    private readonly IntPtr _lt;
    private readonly MemoryBuffer1D<byte, Stride1D.Dense> _workspace;
    private readonly Dictionary<(GemmShape Shape, bool Bf16, Alignments Alignments), LtPlan?> _plans = [];
    private readonly Action<Index1D, ArrayView<float>, ArrayView<ushort>> _toBf16;
    private MemoryBuffer1D<ushort, Stride1D.Dense>? _scratchA;
    private MemoryBuffer1D<ushort, Stride1D.Dense>? _scratchB;

    public CublasGemm(CudaAccelerator accelerator)
    {
        _accelerator = accelerator;
        _stream = ((CudaStream)accelerator.DefaultStream).StreamPtr;
        Check(CublasNative.Create(out _handle), "cublasCreate");
        Check(CublasNative.SetStream(_handle, _stream), "cublasSetStream");
        Check(CublasNative.SetMathMode(_handle, CublasNative.DefaultMath), "cublasSetMathMode");
        if (NativeLibraries.CublasLtAvailable && CublasLtNative.Create(out var lt) == CublasNative.Success)
        {
            _lt = lt;
        }

        _workspace = accelerator.Allocate1D<byte>(WorkspaceBytes);
        _toBf16 = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<ushort>>(IlgpuKernels.ToBf16);
    }

    public string Name => _lt != IntPtr.Zero ? "cublasLt+cublas" : "cublas";

    public void Gemm(in GemmShape s, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, bool bf16)
    {
        IntPtr pa, pb;
        var type = bf16 ? CudaDataType.R16BF : CudaDataType.R32F;
        if (bf16)
        {
            pa = Convert(a, ref _scratchA);
            pb = Convert(b, ref _scratchB);
        }
        else
        {
            pa = Pointer(a);
            pb = Pointer(b);
        }

        var pc = Pointer(c);
        var alpha = s.Alpha;
        var beta = s.Beta;
        var g = ColumnMajorGemm.From(s);
        if (g.Batch > 1)
        {
            Check(CublasNative.GemmStridedBatchedEx(
                _handle, g.TransA, g.TransB, g.M, g.N, g.K, &alpha, pb, type, g.Lda, g.StrideA, pa, type, g.Ldb, g.StrideB,
                &beta, pc, CudaDataType.R32F, g.Ldc, g.StrideC, g.Batch, CublasComputeType.Compute32F, CublasNative.GemmDefault), "cublasGemmStridedBatchedEx");
            return;
        }

        if (_lt != IntPtr.Zero && Plan(s, bf16, new Alignments(Alignment(pb), Alignment(pa), Alignment(pc))) is { } plan)
        {
            var status = CublasLtNative.Matmul(
                _lt, plan.Operation, &alpha, pb, plan.A, pa, plan.B, &beta, pc, plan.C, pc, plan.C,
                plan.Algorithm, Pointer(_workspace.View), (nuint)WorkspaceBytes, _stream);
            if (status == CublasNative.Success)
            {
                return;
            }
        }

        Check(CublasNative.GemmEx(
            _handle, g.TransA, g.TransB, g.M, g.N, g.K, &alpha, pb, type, g.Lda, pa, type, g.Ldb,
            &beta, pc, CudaDataType.R32F, g.Ldc, CublasComputeType.Compute32F, CublasNative.GemmDefault), "cublasGemmEx");
    }

    private IntPtr Convert(ArrayView<float> source, ref MemoryBuffer1D<ushort, Stride1D.Dense>? scratch)
    {
        if (scratch is null || scratch.Length < source.Length)
        {
            scratch?.Dispose();
            scratch = _accelerator.Allocate1D<ushort>(source.Length);
        }

        _toBf16((int)source.Length, source, scratch.View.SubView(0, source.Length));
        return Pointer(scratch.View.SubView(0, source.Length));
    }

    private static IntPtr Pointer<T>(ArrayView<T> view) where T : unmanaged =>
        ((IArrayView)view).Buffer.NativePtr + (nint)((IContiguousArrayView)view).IndexInBytes;

    private static IntPtr Pointer<T>(ArrayView1D<T, Stride1D.Dense> view) where T : unmanaged => Pointer((ArrayView<T>)view);

    /// <summary>
    /// The largest power of two up to 256 that divides <paramref name="pointer"/>. cuBLASLt's heuristic assumes 256-byte
    /// aligned operands unless told otherwise, and a slice of the flat parameter vector is aligned only to its offset
    /// (the GPT-2 shapes' are 256-aligned; the bench's tiny agreement model's are not).
    /// </summary>
    internal static uint Alignment(IntPtr pointer)
    {
        var address = (ulong)pointer;
        return address == 0 ? 256u : (uint)Math.Min(256ul, address & (~address + 1));
    }

    /// <summary>Descriptors and the heuristic's best algorithm for one shape and operand alignment; null when cuBLASLt has none.</summary>
    private LtPlan? Plan(in GemmShape s, bool bf16, Alignments alignments)
    {
        var key = (s with { Alpha = 1, Beta = 0 }, bf16, alignments);
        if (_plans.TryGetValue(key, out var cached))
        {
            return cached;
        }

        var plan = LtPlan.Create(_lt, s, bf16 ? CudaDataType.R16BF : CudaDataType.R32F, WorkspaceBytes, alignments);
        _plans[key] = plan;
        return plan;
    }

    private static void Check(int status, string call)
    {
        if (status != CublasNative.Success)
        {
            throw new InvalidOperationException($"{call} failed with cuBLAS status {status}");
        }
    }

    public void Dispose()
    {
        foreach (var plan in _plans.Values)
        {
            plan?.Dispose();
        }

        _scratchA?.Dispose();
        _scratchB?.Dispose();
        _workspace.Dispose();
        if (_lt != IntPtr.Zero)
        {
            _ = CublasLtNative.Destroy(_lt);
        }

        _ = CublasNative.Destroy(_handle);
    }

    private sealed class LtPlan : IDisposable
    {
        private readonly IntPtr _preference;
        private readonly CublasLtHeuristicResult* _result;

        private LtPlan(IntPtr operation, IntPtr a, IntPtr b, IntPtr c, IntPtr preference)
        {
            Operation = operation;
            A = a;
            B = b;
            C = c;
            _preference = preference;
            _result = (CublasLtHeuristicResult*)System.Runtime.InteropServices.NativeMemory.AllocZeroed((nuint)sizeof(CublasLtHeuristicResult));
        }

        public IntPtr Operation { get; }

        /// <summary>cuBLASLt's A: our B (see the class remarks).</summary>
        public IntPtr A { get; }

        public IntPtr B { get; }

        public IntPtr C { get; }

        public void* Algorithm => _result->Algorithm;

        public static LtPlan? Create(IntPtr lt, in GemmShape s, CudaDataType inputType, long workspaceBytes, Alignments alignments)
        {
            if (CublasLtNative.MatmulDescCreate(out var operation, CublasComputeType.Compute32F, CudaDataType.R32F) != CublasNative.Success)
            {
                return null;
            }

            var g = ColumnMajorGemm.From(s);
            var opA = (int)g.TransA;
            var opB = (int)g.TransB;
            _ = CublasLtNative.MatmulDescSetAttribute(operation, CublasLtNative.MatmulDescTransA, &opA, sizeof(int));
            _ = CublasLtNative.MatmulDescSetAttribute(operation, CublasLtNative.MatmulDescTransB, &opB, sizeof(int));
            _ = CublasLtNative.MatrixLayoutCreate(out var a, inputType, (ulong)g.StoredA.Rows, (ulong)g.StoredA.Columns, g.Lda);
            _ = CublasLtNative.MatrixLayoutCreate(out var b, inputType, (ulong)g.StoredB.Rows, (ulong)g.StoredB.Columns, g.Ldb);
            _ = CublasLtNative.MatrixLayoutCreate(out var c, CudaDataType.R32F, (ulong)g.M, (ulong)g.N, g.Ldc);
            _ = CublasLtNative.PreferenceCreate(out var preference);
            var workspace = (ulong)workspaceBytes;
            _ = CublasLtNative.PreferenceSetAttribute(preference, CublasLtNative.PreferenceMaxWorkspaceBytes, &workspace, sizeof(ulong));
            uint alignA = alignments.A, alignB = alignments.B, alignC = alignments.C;
            _ = CublasLtNative.PreferenceSetAttribute(preference, CublasLtNative.PreferenceMinAlignmentA, &alignA, sizeof(uint));
            _ = CublasLtNative.PreferenceSetAttribute(preference, CublasLtNative.PreferenceMinAlignmentB, &alignB, sizeof(uint));
            _ = CublasLtNative.PreferenceSetAttribute(preference, CublasLtNative.PreferenceMinAlignmentC, &alignC, sizeof(uint));
            _ = CublasLtNative.PreferenceSetAttribute(preference, CublasLtNative.PreferenceMinAlignmentD, &alignC, sizeof(uint));
            var plan = new LtPlan(operation, a, b, c, preference);
            var status = CublasLtNative.AlgoGetHeuristic(lt, operation, a, b, c, c, preference, 1, plan._result, out var returned);
            if (status != CublasNative.Success || returned == 0)
            {
                plan.Dispose();
                return null;
            }

            return plan;
        }

        public void Dispose()
        {
            _ = CublasLtNative.MatrixLayoutDestroy(A);
            _ = CublasLtNative.MatrixLayoutDestroy(B);
            _ = CublasLtNative.MatrixLayoutDestroy(C);
            _ = CublasLtNative.PreferenceDestroy(_preference);
            _ = CublasLtNative.MatmulDescDestroy(Operation);
            System.Runtime.InteropServices.NativeMemory.Free(_result);
        }
    }
}

/// <summary>Byte alignment of cuBLASLt's A, B and C (= D) operands, part of a plan's key.</summary>
internal readonly record struct Alignments(uint A, uint B, uint C);

/// <summary>
/// The column-major cuBLAS call for a row-major <see cref="GemmShape"/>: row-major C = op(A)·op(B) is column-major
/// Cᵀ = op(B)ᵀ·op(A)ᵀ, so cuBLAS's A is our B (and its m, n our N, M). <see cref="StoredA"/>/<see cref="StoredB"/> are
/// cuBLAS's A and B as stored (column-major rows × columns), which their leading dimensions must cover.
/// </summary>
internal readonly record struct ColumnMajorGemm(
    CublasOperation TransA, CublasOperation TransB, int M, int N, int K, int Lda, int Ldb, int Ldc, long StrideA, long StrideB, long StrideC, int Batch)
{
    public static ColumnMajorGemm From(in GemmShape s) => new(
        s.TransB ? CublasOperation.Transpose : CublasOperation.None, s.TransA ? CublasOperation.Transpose : CublasOperation.None,
        s.N, s.M, s.K, s.Ldb, s.Lda, s.Ldc, s.StrideB, s.StrideA, s.StrideC, s.Batch);

    public (int Rows, int Columns) StoredA => TransA == CublasOperation.None ? (M, K) : (K, M);

    public (int Rows, int Columns) StoredB => TransB == CublasOperation.None ? (K, N) : (N, K);
}
