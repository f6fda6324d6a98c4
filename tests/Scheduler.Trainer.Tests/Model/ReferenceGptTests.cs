using Scheduler.Trainer.Model;
using Scheduler.Trainer.Reference;
using Scheduler.Trainer.Tests.Support;

namespace Scheduler.Trainer.Tests.Model;

public sealed class ReferenceGptTests
{
    public static TheoryData<string> Models => ["grouped-query", "tied"];

    private static GptConfig Config(string name) => name == "tied" ? TinyModels.Tied : TinyModels.GroupedQuery;

    [Theory]
    [MemberData(nameof(Models))]
    public void Analytic_gradients_match_central_finite_differences(string model)
    {
        var config = Config(model);
        var layout = new ParameterLayout(config);
        var weights = TinyModels.Weights(layout, seed: 3).Select(w => (double)w).ToArray();
        var (inputs, targets) = TinyModels.Batch(config, batch: 2, seed: 5);
        var reference = new ReferenceGpt(layout);
        var gradients = new double[weights.Length];
        reference.LossAndGradients(weights, inputs, targets, 2, config.SeqLength, gradients);

        const double h = 1e-6;
        var worst = 0.0;
        for (var i = 0; i < weights.Length; i++)
        {
            var saved = weights[i];
            weights[i] = saved + h;
            var plus = reference.Loss(weights, inputs, targets, 2, config.SeqLength);
            weights[i] = saved - h;
            var minus = reference.Loss(weights, inputs, targets, 2, config.SeqLength);
            weights[i] = saved;
            var numeric = (plus - minus) / (2 * h);
            var error = Math.Abs(numeric - gradients[i]) / (1e-6 + Math.Abs(numeric) + Math.Abs(gradients[i]));
            worst = Math.Max(worst, error);
        }

        Assert.True(worst < 1e-4, $"worst relative gradient error {worst:e2}");
        Assert.Contains(gradients, g => Math.Abs(g) > 1e-3);
    }

    [Fact]
    public void Loss_of_uniform_logits_is_log_vocabulary()
    {
        var config = TinyModels.GroupedQuery;
        var layout = new ParameterLayout(config);
        var weights = new double[layout.Count];
        var (inputs, targets) = TinyModels.Batch(config, 1, 1);
        Assert.Equal(Math.Log(config.VocabSize), new ReferenceGpt(layout).Loss(weights, inputs, targets, 1, config.SeqLength), 12);
    }
}
