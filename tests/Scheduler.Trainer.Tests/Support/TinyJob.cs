using Scheduler.Domain.Catalog;
using Scheduler.Domain.Specs;
using Scheduler.Testing.Builders;
using Scheduler.Trainer.Compute;
using Scheduler.Trainer.Compute.Managed;
using Scheduler.Trainer.Data;
using Scheduler.Trainer.Distributed;
using Scheduler.Trainer.Telemetry;
using Scheduler.Trainer.Training;

namespace Scheduler.Trainer.Tests.Support;

/// <summary>A job spec for a model that trains in milliseconds per step, and an in-process training run of it.</summary>
internal static class TinyJob
{
    public static JobSpecBuilder Spec(long steps = 12, int globalBatch = 4, int microBatch = 2, int interval = 4, Precision precision = Precision.Fp32) =>
        JobSpecBuilder.AJob("tiny")
            .Model(m => m with { Layers = 2, HiddenSize = 16, Heads = 4, KvHeads = 2, VocabSize = 32, SeqLength = 8, TiedEmbeddings = true })
            .Training(t => t with
            {
                Tokens = null, Steps = steps, GlobalBatchSize = globalBatch, MicroBatchSize = microBatch, Precision = precision,
                LearningRate = 1e-2, WarmupSteps = 2, Seed = 5,
            })
            .Gpus(1, "H100-SXM")
            .With(s => s with { Checkpoint = new CheckpointSpec { IntervalSteps = interval } });

    public static TrainingPlan Plan(JobSpecBuilder spec, int worldSize = 1) => TrainerSpecLoader.Load(spec.ToJson(), GpuCatalog.Default, worldSize);

    /// <summary>Runs the loop in process and returns its exit code and the loss of every step it ran.</summary>
    public static (int ExitCode, List<StepReport> Steps) Run(
        TrainingPlan plan, string checkpointDirectory, long? maxSteps = null, Func<long, bool>? stopAfter = null,
        ITelemetrySink? telemetry = null, IGradientReducer? reducer = null, ITensorOps? ops = null, int telemetryEvery = 1)
    {
        var steps = new List<StepReport>();
        using var owned = ops is null ? new ManagedOps() : null;
        var options = new TrainerOptions { SpecPath = "spec.json", CheckpointDirectory = checkpointDirectory, MaxSteps = maxSteps, TelemetryEverySteps = telemetryEvery };
        var context = new TrainerContext(
            ops ?? owned!, new SyntheticCorpus(plan.Model.VocabSize, plan.Model.SeqLength, plan.Seed), checkpointDirectory, TimeProvider.System,
            TextWriter.Null, () => stopAfter?.Invoke(steps.Count == 0 ? 0 : steps[^1].Step) ?? false, telemetry, reducer, steps.Add);
        var exit = new TrainingLoop(plan, options, context).Run(CancellationToken.None);
        return (exit, steps);
    }
}

/// <summary>A fresh directory under the system temp folder, deleted on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("trainer-test-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
