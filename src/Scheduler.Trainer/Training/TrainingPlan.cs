using Scheduler.Domain.Specs;
using Scheduler.Trainer.Model;

namespace Scheduler.Trainer.Training;

/// <summary>Everything the training loop needs from a validated, normalised spec.</summary>
internal sealed record TrainingPlan(
    string JobName,
    GptConfig Model,
    long TotalSteps,
    int GlobalBatchSize,
    int MicroBatchSize,
    bool Bf16,
    double LearningRate,
    int WarmupSteps,
    double WeightDecay,
    double GradientClip,
    int Seed,
    string? DataPath,
    int CheckpointIntervalSteps,
    string GpuType,
    double PeakBf16Tflops)
{
    public const double Beta1 = 0.9;
    public const double Beta2 = 0.95;
    public const double Epsilon = 1e-8;

    /// <summary>Cosine decay ends at this fraction of the peak learning rate.</summary>
    public const double MinLearningRateFraction = 0.1;

    public long TokensPerStep => (long)GlobalBatchSize * Model.SeqLength;

    /// <summary>Linear warmup to the peak, then cosine decay to <see cref="MinLearningRateFraction"/> of it at the last step.</summary>
    public double LearningRateAt(long step)
    {
        if (step < WarmupSteps)
        {
            return LearningRate * (step + 1) / WarmupSteps;
        }

        var decaySteps = Math.Max(1, TotalSteps - WarmupSteps);
        var progress = Math.Clamp((double)(step - WarmupSteps) / decaySteps, 0, 1);
        var min = LearningRate * MinLearningRateFraction;
        return min + 0.5 * (LearningRate - min) * (1 + Math.Cos(Math.PI * progress));
    }

    public static TrainingPlan From(JobSpec normalized, GptConfig model, double peakBf16Tflops)
    {
        var training = normalized.Training!;
        var global = training.GlobalBatchSize!.Value;
        var steps = training.Steps ?? (long)Math.Ceiling(training.Tokens!.Value / ((double)global * model.SeqLength));
        return new TrainingPlan(
            normalized.Name!,
            model,
            Math.Max(1, steps),
            global,
            training.MicroBatchSize!.Value,
            training.Precision == Precision.Bf16,
            training.LearningRate!.Value,
            training.WarmupSteps!.Value,
            training.WeightDecay!.Value,
            training.GradientClip!.Value,
            training.Seed!.Value,
            training.DataPath,
            normalized.Checkpoint!.IntervalSteps!.Value,
            Scheduler.Domain.Catalog.GpuCatalog.SplitAlternatives(normalized.Resources!.GpuType!)[0],
            peakBf16Tflops);
    }
}
