using Scheduler.Trainer.Compute;
using Scheduler.Trainer.Model;

namespace Scheduler.Trainer.Training;

/// <summary>
/// One optimizer step over every parameter tensor: gradients pre-scaled for global-norm clipping, bias-corrected AdamW
/// moments, decoupled weight decay on matrices and embeddings only (not on norm gains and biases).
/// </summary>
internal static class AdamWOptimizer
{
    /// <param name="step">1-based step number (for the bias corrections).</param>
    public static void Step(GptModel model, TrainingPlan plan, long step, double learningRate, double gradientNorm)
    {
        var clip = plan.GradientClip > 0 && gradientNorm > plan.GradientClip ? plan.GradientClip / gradientNorm : 1.0;
        foreach (var tensor in model.Layout.Tensors)
        {
            var adam = new AdamWStep(
                (float)learningRate, (float)TrainingPlan.Beta1, (float)TrainingPlan.Beta2, (float)TrainingPlan.Epsilon,
                tensor.Decayed ? (float)plan.WeightDecay : 0f, (float)clip,
                (float)(1 - Math.Pow(TrainingPlan.Beta1, step)), (float)(1 - Math.Pow(TrainingPlan.Beta2, step)));
            model.Ops.AdamW(
                model.Weights.Slice(tensor.Offset, tensor.Length), model.Gradients.Slice(tensor.Offset, tensor.Length),
                model.FirstMoment.Slice(tensor.Offset, tensor.Length), model.SecondMoment.Slice(tensor.Offset, tensor.Length), adam);
        }
    }
}
