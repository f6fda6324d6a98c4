namespace Scheduler.Trainer.Training;

/// <summary>One optimizer step as the log and the tests see it.</summary>
internal sealed record StepReport(long Step, double Loss, double LearningRate, double GradientNorm, double StepSeconds, double TokensPerSecond);
