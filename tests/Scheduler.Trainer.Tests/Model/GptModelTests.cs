using Scheduler.Trainer.Compute.Managed;
using Scheduler.Trainer.Model;
using Scheduler.Trainer.Reference;
using Scheduler.Trainer.Tests.Support;

namespace Scheduler.Trainer.Tests.Model;

public sealed class GptModelTests
{
    [Theory]
    [InlineData("grouped-query", false)]
    [InlineData("tied", false)]
    [InlineData("grouped-query", true)]
    public void Managed_backend_loss_and_gradients_match_the_fp64_reference(string model, bool bf16)
    {
        var config = model == "tied" ? TinyModels.Tied : TinyModels.GroupedQuery;
        var layout = new ParameterLayout(config);
        var weights = TinyModels.Weights(layout, seed: 11);
        var (inputs, targets) = TinyModels.Batch(config, batch: 3, seed: 7);

        var expectedGradients = new double[layout.Count];
        var expectedLoss = new ReferenceGpt(layout).LossAndGradients(
            weights.Select(w => (double)w).ToArray(), inputs, targets, 3, config.SeqLength, expectedGradients);

        using var ops = new ManagedOps();
        using var gpt = new GptModel(ops, layout, microBatch: 3, bf16);
        ops.Upload<float>(weights, gpt.Weights.View);
        var loss = gpt.ForwardBackward(inputs, targets, 1f / (3 * config.SeqLength));
        var gradients = new float[layout.Count];
        ops.Download(gpt.Gradients.View, gradients);

        // bf16 keeps 8 mantissa bits: relative error ~2⁻⁸ per rounding, a few roundings deep.
        var (tolerance, epsilon) = bf16 ? (2e-2, 1e-1) : (1e-5, 1e-4);
        Assert.True(Math.Abs(loss - expectedLoss) <= tolerance + Math.Abs(expectedLoss) * epsilon, $"loss {loss} vs {expectedLoss}");
        var scale = expectedGradients.Max(Math.Abs);
        for (var i = 0; i < gradients.Length; i++)
        {
            var bound = tolerance * scale + Math.Abs(expectedGradients[i]) * epsilon;
            Assert.True(Math.Abs(gradients[i] - expectedGradients[i]) <= bound,
                $"{TensorName(layout, i)}: {gradients[i]} vs {expectedGradients[i]}");
        }
    }

    private static string TensorName(ParameterLayout layout, int index) =>
        layout.Tensors.Last(t => t.Offset <= index).Name + $"[{index}]";
}
