using System.Diagnostics;
using Scheduler.Domain.Catalog;
using Scheduler.Domain.Workloads;
using Scheduler.Trainer.Compute;
using Scheduler.Trainer.Compute.Managed;
using Scheduler.Trainer.Data;
using Scheduler.Trainer.Model;
using Scheduler.Trainer.Training;

namespace Scheduler.Trainer.Bench;

/// <summary>
/// <c>trainer bench</c>: first checks that the device computes the same loss and gradients as the managed CPU backend on a
/// tiny model (fp32 and bf16), then times training steps of GPT-2 shapes in bf16 and prints tokens/s, MFU against the
/// catalog's bf16 peak for the detected GPU, and the backend's peak allocation.
/// </summary>
internal static class TrainerBenchmark
{
    private const int WarmupSteps = 2;

    internal static GptConfig Shape(string name) => name switch
    {
        "tiny" => new GptConfig(2, 64, 4, 2, 256, 512, 64, true),
        "small" => new GptConfig(12, 768, 12, 12, 3072, 50257, 1024, true),
        "medium" => new GptConfig(24, 1024, 16, 16, 4096, 50257, 1024, true),
        _ => throw new SpecRejectedException([new("--models", $"unknown model '{name}': use small, medium or tiny")]),
    };

    /// <summary>Sequences per micro-batch when --micro-batch is not given (sequence length 1024).</summary>
    internal static int DefaultMicroBatch(string name) => name == "medium" ? 4 : 8;

    public static int Run(string device, IReadOnlyList<string> models, int steps, int? microBatch, TextWriter output, TextWriter error)
    {
        try
        {
            var shapes = models.Select(m => (Name: m, Config: Shape(m))).ToList();
            using var ops = ComputeBackends.Create(device, output);
            var agreement = CheckAgreement(ops, output);
            if (!agreement)
            {
                error.WriteLine($"bench: {ops.Device} disagrees with the managed CPU backend; timings would be meaningless");
                return TrainerExitCodes.Failed;
            }

            var gpu = ComputeBackends.CatalogType(ops, GpuCatalog.Default) ?? GpuCatalog.Default.Get("H100-SXM");
            output.WriteLine($"bench: device {ops.Device}, MFU against {gpu.Name} bf16 peak {gpu.Bf16Tflops} TFLOP/s");
            foreach (var (name, config) in shapes)
            {
                var batch = microBatch ?? DefaultMicroBatch(name);
                Measure(ops, name, config, batch, steps, gpu, output);
            }

            return TrainerExitCodes.Finished;
        }
        catch (SpecRejectedException ex)
        {
            error.WriteLine(ex.Message);
            return TrainerExitCodes.InvalidSpec;
        }
        catch (DeviceUnavailableException ex)
        {
            error.WriteLine($"device unavailable: {ex.Message}");
            return TrainerExitCodes.DeviceUnavailable;
        }
    }

    /// <summary>Same weights and batch on both backends; loss and every gradient within tol + |ref|·ε.</summary>
    internal static bool CheckAgreement(ITensorOps ops, TextWriter output)
    {
        var config = new GptConfig(2, 32, 4, 2, 64, 97, 16, false);
        var layout = new ParameterLayout(config);
        var weights = layout.Initialize(7);
        var corpus = new SyntheticCorpus(config.VocabSize, config.SeqLength, 7);
        const int batch = 2;
        var inputs = new int[batch * config.SeqLength];
        var targets = new int[inputs.Length];
        for (var s = 0; s < batch; s++)
        {
            corpus.Read(corpus.Start(), s, inputs.AsSpan(s * config.SeqLength, config.SeqLength), targets.AsSpan(s * config.SeqLength, config.SeqLength));
        }

        var agree = true;
        foreach (var bf16 in new[] { false, true })
        {
            var (expectedLoss, expected) = LossAndGradients(new ManagedOps(), layout, weights, inputs, targets, batch, bf16);
            var (loss, actual) = LossAndGradients(ops, layout, weights, inputs, targets, batch, bf16);
            var (tolerance, epsilon) = bf16 ? (2e-3, 5e-2) : (1e-5, 1e-3);
            var scale = expected.Max(MathF.Abs);
            var worst = 0.0;
            for (var i = 0; i < expected.Length; i++)
            {
                worst = Math.Max(worst, Math.Abs(actual[i] - expected[i]) / (tolerance * scale + Math.Abs(expected[i]) * epsilon));
            }

            var lossOk = Math.Abs(loss - expectedLoss) <= tolerance + Math.Abs(expectedLoss) * epsilon;
            output.WriteLine(FormattableString.Invariant(
                $"bench: agreement {(bf16 ? "bf16" : "fp32")}: loss {loss:f6} vs cpu {expectedLoss:f6}, worst gradient error {worst:f3} of the bound → {(lossOk && worst <= 1 ? "ok" : "MISMATCH")}"));
            agree &= lossOk && worst <= 1;
        }

        return agree;
    }

    private static (double Loss, float[] Gradients) LossAndGradients(
        ITensorOps ops, ParameterLayout layout, float[] weights, int[] inputs, int[] targets, int batch, bool bf16)
    {
        using var model = new GptModel(ops, layout, batch, bf16);
        ops.Upload<float>(weights, model.Weights.View);
        ops.Fill(model.Gradients.View, 0f);
        var loss = model.ForwardBackward(inputs, targets, 1f / inputs.Length);
        var gradients = new float[layout.Count];
        ops.Download(model.Gradients.View, gradients);
        return (loss, gradients);
    }

    private static void Measure(ITensorOps ops, string name, GptConfig config, int batch, int steps, GpuType gpu, TextWriter output)
    {
        var layout = new ParameterLayout(config);
        var plan = new TrainingPlan(name, config, WarmupSteps + steps, batch, batch, true, 3e-4, 0, 0.1, 1.0, 1, null, int.MaxValue, gpu.Name, gpu.Bf16Tflops);
        using var model = new GptModel(ops, layout, batch, bf16: true);
        ops.Upload<float>(layout.Initialize(1), model.Weights.View);
        var corpus = new SyntheticCorpus(config.VocabSize, config.SeqLength, 1);
        var cursor = corpus.Start();
        var inputs = new int[batch * config.SeqLength];
        var targets = new int[inputs.Length];
        var timer = new Stopwatch();
        double loss = 0;
        for (var step = 1; step <= WarmupSteps + steps; step++)
        {
            if (step == WarmupSteps + 1)
            {
                ops.Synchronize();
                timer.Start();
            }

            for (var s = 0; s < batch; s++)
            {
                corpus.Read(cursor, s, inputs.AsSpan(s * config.SeqLength, config.SeqLength), targets.AsSpan(s * config.SeqLength, config.SeqLength));
            }

            cursor = corpus.Advance(cursor, batch);
            ops.Fill(model.Gradients.View, 0f);
            loss = model.ForwardBackward(inputs, targets, 1f / inputs.Length);
            var norm = Math.Sqrt(ops.SumOfSquares(model.Gradients.View));
            AdamWOptimizer.Step(model, plan, step, plan.LearningRateAt(step - 1), norm);
        }

        ops.Synchronize();
        var seconds = timer.Elapsed.TotalSeconds / steps;
        var tokensPerSecond = plan.TokensPerStep / seconds;
        var tflops = config.FlopsPerToken(layout.Count) * tokensPerSecond / 1e12;
        output.WriteLine(FormattableString.Invariant(
            $"bench: model={name} params={layout.Count / 1e6:f1}M batch={batch}x{config.SeqLength} bf16 step={seconds * 1000:f1}ms tokens/s={tokensPerSecond:f0} tflops={tflops:f1} mfu={tflops / gpu.Bf16Tflops:P1} peakMemoryGiB={ops.PeakAllocatedBytes / (double)(1L << 30):f2} loss={loss:f4}"));
    }
}
