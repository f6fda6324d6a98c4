using Scheduler.Trainer.Compute;
using Scheduler.Trainer.Compute.Ilgpu;
using Scheduler.Trainer.Compute.Managed;
using Scheduler.Trainer.Model;
using Scheduler.Trainer.Reference;

namespace Scheduler.Trainer.Tests.Compute;

/// <summary>One ILGPU CPU accelerator for the whole class: each kernel compiles once (~150 ms) and is reused.</summary>
public sealed class IlgpuCpuFixture : IDisposable
{
    internal IlgpuOps Ops { get; } = IlgpuOps.CreateCpu();

    public void Dispose() => Ops.Dispose();
}

/// <summary>
/// Every ILGPU kernel on ILGPU's CPU accelerator against the managed backend (itself checked against the fp64 reference
/// model), at tiny sizes, within tol + |ref|·ε. Outputs start from random values, so "accumulate" and "overwrite" are checked too.
/// </summary>
public sealed class IlgpuKernelTests(IlgpuCpuFixture fixture) : IClassFixture<IlgpuCpuFixture>
{
    private const double Tolerance = 1e-5;
    private const double Epsilon = 1e-4;

    private delegate void Op(ITensorOps ops, TensorView<float>[] f, TensorView<int> ints);

    private static float[] Random(int length, int seed, float scale = 1f)
    {
        var random = new TrainerRandom((ulong)seed);
        return Enumerable.Range(0, length).Select(_ => (float)(random.NextGaussian() * scale)).ToArray();
    }

    private static float[][] Run(ITensorOps ops, float[][] floats, int[] ints, Op op)
    {
        var buffers = floats.Select(values =>
        {
            var buffer = ops.Allocate<float>(values.Length);
            ops.Upload<float>(values, buffer.View);
            return buffer;
        }).ToList();
        using var intBuffer = ops.Allocate<int>(Math.Max(1, ints.Length));
        ops.Upload<int>(ints, intBuffer.Slice(0, ints.Length));
        op(ops, buffers.Select(b => b.View).ToArray(), intBuffer.View);
        var results = buffers.Select(b =>
        {
            var values = new float[b.Length];
            ops.Download(b.View, values);
            b.Dispose();
            return values;
        }).ToArray();
        return results;
    }

    private void AssertAgrees(float[][] floats, Op op, int[]? ints = null, double tolerance = Tolerance, double epsilon = Epsilon)
    {
        ints ??= [];
        using var managed = new ManagedOps();
        var expected = Run(managed, floats.Select(f => f.ToArray()).ToArray(), ints, op);
        var actual = Run(fixture.Ops, floats.Select(f => f.ToArray()).ToArray(), ints, op);
        for (var b = 0; b < expected.Length; b++)
        {
            for (var i = 0; i < expected[b].Length; i++)
            {
                var bound = tolerance + Math.Abs(expected[b][i]) * epsilon;
                Assert.True(Math.Abs(actual[b][i] - expected[b][i]) <= bound, $"buffer {b}[{i}]: ilgpu {actual[b][i]} vs managed {expected[b][i]}");
            }
        }
    }

    [Fact]
    public void Fill_and_add() => AssertAgrees(
        [Random(37, 1), Random(37, 2), Random(37, 3)],
        (o, f, _) =>
        {
            o.Add(f[0], f[1], f[2]);
            o.Fill(f[1].Slice(5, 10), 0.25f);
        });

    [Fact]
    public void Embedding_forward_and_backward()
    {
        const int b = 2, t = 3, c = 4, v = 5;
        int[] tokens = [1, 4, 1, 0, 1, 3];
        AssertAgrees(
            [Random(v * c, 1), Random(t * c, 2), Random(b * t * c, 3), Random(v * c, 4), Random(t * c, 5)],
            (o, f, ints) =>
            {
                o.EmbeddingForward(ints, f[0], f[1], f[2], b, t, c);
                o.EmbeddingBackward(ints, f[2], f[3], f[4], b, t, c);
            },
            tokens);
    }

    [Fact]
    public void Layer_norm_forward_and_backward()
    {
        const int n = 5, c = 7;
        AssertAgrees(
            [Random(n * c, 1, 3f), Random(c, 2), Random(c, 3), Random(n * c, 4), Random(n, 5), Random(n, 6), Random(n * c, 7), Random(n * c, 8), Random(c, 9), Random(c, 10)],
            (o, f, _) =>
            {
                o.LayerNormForward(f[0], f[1], f[2], f[3], f[4], f[5], n, c);
                o.LayerNormBackward(f[6], f[0], f[1], f[4], f[5], f[7], f[8], f[9], n, c);
            });
    }

    [Fact]
    public void Layer_norm_parameter_gradients_over_several_row_chunks()
    {
        // Two full chunks and a partial one: the chunked reduction must cover every row exactly once.
        const int n = 2 * KernelLaunches.LayerNormChunkRows + 5, c = 3;
        AssertAgrees(
            [Random(n * c, 1, 3f), Random(c, 2), Random(c, 3), Random(n * c, 4), Random(n, 5), Random(n, 6), Random(n * c, 7), Random(n * c, 8), Random(c, 9), Random(c, 10)],
            (o, f, _) =>
            {
                o.LayerNormForward(f[0], f[1], f[2], f[3], f[4], f[5], n, c);
                o.LayerNormBackward(f[6], f[0], f[1], f[4], f[5], f[7], f[8], f[9], n, c);
            });
    }

    public static TheoryData<bool, bool, bool, float> GemmCases => new()
    {
        { false, false, false, 0f },
        { false, true, false, 0f },
        { true, false, false, 1f },
        { true, true, false, 0.5f },
        { false, true, true, 0f },
        { true, false, true, 1f },
    };

    [Theory]
    [MemberData(nameof(GemmCases))]
    public void Gemm_in_every_transposition_batched_with_beta_and_bf16(bool transA, bool transB, bool bf16, float beta)
    {
        const int m = 5, n = 6, k = 7, batch = 3;
        var lda = transA ? m : k;
        var ldb = transB ? k : n;
        var shape = new GemmShape(transA, transB, m, n, k, lda, ldb, n, m * k, k * n, m * n, batch, 0.75f, beta);
        AssertAgrees(
            [Random(batch * m * k, 1), Random(batch * k * n, 2), Random(batch * m * n, 3)],
            (o, f, _) => o.Gemm(shape, f[0], f[1], f[2], bf16),
            tolerance: bf16 ? 1e-4 : Tolerance);
    }

    [Fact]
    public void Qkv_split_merge_and_head_permutations()
    {
        const int b = 2, t = 3, h = 4, kv = 2, d = 2;
        var width = (h + 2 * kv) * d;
        AssertAgrees(
            [Random(b * t * width, 1), Random(b * h * t * d, 2), Random(b * kv * t * d, 3), Random(b * kv * t * d, 4), Random(b * t * width, 5), Random(b * t * h * d, 6)],
            (o, f, _) =>
            {
                o.SplitQkv(f[0], f[1], f[2], f[3], b, t, h, kv, d);
                o.MergeQkv(f[1], f[2], f[3], f[4], b, t, h, kv, d);
                o.PermuteHeads(f[1], f[5], b, t, h, d, inverse: false);
                o.PermuteHeads(f[4].Slice(0, b * t * h * d), f[1], b, t, h, d, inverse: true);
            });
    }

    [Fact]
    public void Causal_softmax_forward_and_backward()
    {
        const int rows = 8, t = 4;
        AssertAgrees(
            [Random(rows * t, 1, 3f), Random(rows * t, 2), Random(rows * t, 3), Random(rows * t, 4)],
            (o, f, _) =>
            {
                o.CausalSoftmax(f[0], f[1], rows, t);
                o.CausalSoftmaxBackward(f[2], f[1], f[3], rows, t);
            });
    }

    [Fact]
    public void Gelu_forward_and_backward_match_the_fp64_reference()
    {
        var x = Random(64, 1, 3f);
        var results = Run(fixture.Ops, [x, new float[64], Random(64, 2), new float[64]], [], (o, f, _) =>
        {
            o.Gelu(f[0], f[1]);
            o.GeluBackward(f[0], f[2], f[3]);
        });
        var dy = Random(64, 2);
        for (var i = 0; i < x.Length; i++)
        {
            var y = ReferenceGpt.Gelu(x[i]);
            var dx = dy[i] * ReferenceGpt.GeluDerivative(x[i]);
            Assert.True(Math.Abs(results[1][i] - y) <= Tolerance + Math.Abs(y) * Epsilon, $"gelu({x[i]})");
            Assert.True(Math.Abs(results[3][i] - dx) <= Tolerance + Math.Abs(dx) * Epsilon, $"gelu'({x[i]})");
        }
    }

    [Fact]
    public void Cross_entropy_loss_and_gradient() => AssertAgrees(
        [Random(4 * 9, 1, 2f), Random(4, 2)],
        (o, f, ints) => o.CrossEntropy(f[0], ints, f[1], 4, 9, 0.125f),
        [3, 0, 8, 3]);

    [Fact]
    public void AdamW_update()
    {
        var step = new AdamWStep(1e-2f, 0.9f, 0.95f, 1e-8f, 0.1f, 0.5f, 0.19f, 0.0975f);
        AssertAgrees(
            [Random(50, 1), Random(50, 2), Random(50, 3, 0.1f), Random(50, 4, 0.1f).Select(MathF.Abs).ToArray()],
            (o, f, _) => o.AdamW(f[0], f[1], f[2], f[3], step));
    }

    [Fact]
    public void Sum_of_squares_is_the_global_norm_squared()
    {
        var x = Random(3000, 1);
        using var buffer = fixture.Ops.Allocate<float>(x.Length);
        fixture.Ops.Upload<float>(x, buffer.View);
        var expected = x.Sum(v => (double)v * v);
        Assert.Equal(expected, fixture.Ops.SumOfSquares(buffer.View), 1e-9 * expected);
        Assert.Equal(expected - x[0] * (double)x[0], fixture.Ops.SumOfSquares(buffer.Slice(1, x.Length - 1)), 1e-9 * expected);
    }

    [Fact]
    public void Whole_model_on_the_ilgpu_cpu_accelerator_matches_the_fp64_reference()
    {
        var config = new GptConfig(1, 8, 2, 1, 12, 7, 4, false);
        var layout = new ParameterLayout(config);
        var weights = layout.Initialize(3).Select(w => w * 10f).ToArray();
        int[] inputs = [1, 2, 3, 4, 6, 5, 0, 1];
        int[] targets = [2, 3, 4, 5, 5, 0, 1, 2];
        var reference = new double[layout.Count];
        var expectedLoss = new ReferenceGpt(layout).LossAndGradients(weights.Select(w => (double)w).ToArray(), inputs, targets, 2, 4, reference);

        using var model = new GptModel(fixture.Ops, layout, microBatch: 2, bf16: false);
        fixture.Ops.Upload<float>(weights, model.Weights.View);
        var loss = model.ForwardBackward(inputs, targets, 1f / 8);
        var gradients = new float[layout.Count];
        fixture.Ops.Download(model.Gradients.View, gradients);

        Assert.Equal(expectedLoss, loss, 1e-5);
        var scale = reference.Max(Math.Abs);
        for (var i = 0; i < gradients.Length; i++)
        {
            Assert.True(Math.Abs(gradients[i] - reference[i]) <= 1e-5 * scale + Math.Abs(reference[i]) * 1e-4, $"gradient {i}: {gradients[i]} vs {reference[i]}");
        }
    }

    [Fact]
    public void The_benchmarks_device_agreement_check_passes_on_the_ilgpu_cpu_accelerator()
    {
        var log = new StringWriter();
        Assert.True(Scheduler.Trainer.Bench.TrainerBenchmark.CheckAgreement(fixture.Ops, log), log.ToString());
        Assert.Equal(2, log.ToString().Split('\n').Count(l => l.EndsWith("→ ok", StringComparison.Ordinal)));
    }
}
