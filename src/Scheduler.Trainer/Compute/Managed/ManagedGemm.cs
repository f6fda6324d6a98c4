using System.Buffers;
using System.Numerics;

namespace Scheduler.Trainer.Compute.Managed;

internal sealed partial class ManagedOps
{
    private const int RowTile = 8;
    private const int DepthTile = 128;

    /// <summary>
    /// Blocked GEMM: tiles of <see cref="RowTile"/> output rows share each <see cref="DepthTile"/>-deep panel of B while it is
    /// in cache; the inner loop is a <see cref="Vector{T}"/> axpy (B not transposed) or dot product (B transposed).
    /// bf16 mode rounds copies of both inputs through bf16 storage and accumulates in fp32, as tensor cores do.
    /// </summary>
    public void Gemm(in GemmShape shape, TensorView<float> a, TensorView<float> b, TensorView<float> c, bool bf16)
    {
        var s = shape;
        var aArray = Array(a, out var aOffset);
        var bArray = Array(b, out var bOffset);
        var cArray = Array(c, out var cOffset);
        float[]? roundedA = null, roundedB = null;
        if (bf16)
        {
            roundedA = RoundedCopy(aArray, aOffset, (int)a.Length);
            roundedB = RoundedCopy(bArray, bOffset, (int)b.Length);
            (aArray, aOffset, bArray, bOffset) = (roundedA, 0, roundedB, 0);
        }

        try
        {
            var tilesPerMatrix = (s.M + RowTile - 1) / RowTile;
            ForRows(tilesPerMatrix * s.Batch, (long)RowTile * s.N * s.K, tile =>
            {
                var batch = tile / tilesPerMatrix;
                var firstRow = tile % tilesPerMatrix * RowTile;
                var rows = Math.Min(RowTile, s.M - firstRow);
                var ab = aOffset + (int)(batch * s.StrideA);
                var bb = bOffset + (int)(batch * s.StrideB);
                var cb = cOffset + (int)(batch * s.StrideC);
                if (s.TransB)
                {
                    DotTile(s, aArray, ab, bArray, bb, cArray, cb, firstRow, rows);
                }
                else
                {
                    AxpyTile(s, aArray, ab, bArray, bb, cArray, cb, firstRow, rows);
                }
            });
        }
        finally
        {
            if (roundedA is not null)
            {
                ArrayPool<float>.Shared.Return(roundedA);
                ArrayPool<float>.Shared.Return(roundedB!);
            }
        }
    }

    private static float[] RoundedCopy(float[] source, int offset, int length)
    {
        var copy = ArrayPool<float>.Shared.Rent(length);
        for (var i = 0; i < length; i++)
        {
            copy[i] = Bf16.Round(source[offset + i]);
        }

        return copy;
    }

    private static float ElementOfA(in GemmShape s, float[] a, int ab, int row, int k) =>
        s.TransA ? a[ab + k * s.Lda + row] : a[ab + row * s.Lda + k];

    private static void AxpyTile(in GemmShape s, float[] a, int ab, float[] b, int bb, float[] c, int cb, int firstRow, int rows)
    {
        for (var r = 0; r < rows; r++)
        {
            var cRow = c.AsSpan(cb + (firstRow + r) * s.Ldc, s.N);
            if (s.Beta == 0f)
            {
                cRow.Clear();
            }
            else if (s.Beta != 1f)
            {
                for (var j = 0; j < s.N; j++)
                {
                    cRow[j] *= s.Beta;
                }
            }
        }

        var width = Vector<float>.Count;
        for (var k0 = 0; k0 < s.K; k0 += DepthTile)
        {
            var kEnd = Math.Min(s.K, k0 + DepthTile);
            for (var r = 0; r < rows; r++)
            {
                var row = firstRow + r;
                var cRow = c.AsSpan(cb + row * s.Ldc, s.N);
                for (var k = k0; k < kEnd; k++)
                {
                    var scale = s.Alpha * ElementOfA(s, a, ab, row, k);
                    if (scale == 0f)
                    {
                        continue;
                    }

                    var bRow = b.AsSpan(bb + k * s.Ldb, s.N);
                    var vScale = new Vector<float>(scale);
                    var j = 0;
                    for (; j <= s.N - width; j += width)
                    {
                        (new Vector<float>(cRow[j..]) + vScale * new Vector<float>(bRow[j..])).CopyTo(cRow[j..]);
                    }

                    for (; j < s.N; j++)
                    {
                        cRow[j] += scale * bRow[j];
                    }
                }
            }
        }
    }

    private static void DotTile(in GemmShape s, float[] a, int ab, float[] b, int bb, float[] c, int cb, int firstRow, int rows)
    {
        // Rows of op(A) gathered once per tile so the dot products run over contiguous memory.
        var aRows = ArrayPool<float>.Shared.Rent(rows * s.K);
        try
        {
            for (var r = 0; r < rows; r++)
            {
                for (var k = 0; k < s.K; k++)
                {
                    aRows[r * s.K + k] = ElementOfA(s, a, ab, firstRow + r, k);
                }
            }

            const int columnTile = 64;
            for (var j0 = 0; j0 < s.N; j0 += columnTile)
            {
                var jEnd = Math.Min(s.N, j0 + columnTile);
                for (var r = 0; r < rows; r++)
                {
                    var aRow = aRows.AsSpan(r * s.K, s.K);
                    var cIndex = cb + (firstRow + r) * s.Ldc;
                    for (var j = j0; j < jEnd; j++)
                    {
                        var dot = Dot(aRow, b.AsSpan(bb + j * s.Ldb, s.K));
                        var previous = s.Beta == 0f ? 0f : s.Beta * c[cIndex + j];
                        c[cIndex + j] = previous + s.Alpha * dot;
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(aRows);
        }
    }

    private static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        var width = Vector<float>.Count;
        var acc = Vector<float>.Zero;
        var i = 0;
        for (; i <= x.Length - width; i += width)
        {
            acc += new Vector<float>(x[i..]) * new Vector<float>(y[i..]);
        }

        var sum = Vector.Sum(acc);
        for (; i < x.Length; i++)
        {
            sum += x[i] * y[i];
        }

        return sum;
    }
}
