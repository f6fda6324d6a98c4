using Scheduler.Domain.Workloads;
using Scheduler.Trainer.Checkpoints;
using Scheduler.Trainer.Tests.Support;
using Scheduler.Trainer.Training;

namespace Scheduler.Trainer.Tests.Training;

public sealed class TrainingLoopTests
{
    [Fact]
    public void Loss_falls_well_below_uniform_on_the_synthetic_corpus()
    {
        using var dir = new TempDirectory();
        var plan = TinyJob.Plan(TinyJob.Spec(steps: 40, globalBatch: 8, microBatch: 4, interval: 1000));
        var (exit, steps) = TinyJob.Run(plan, dir.Path);

        Assert.Equal(TrainerExitCodes.Finished, exit);
        Assert.Equal(40, steps.Count);
        var first = steps[0].Loss;
        var last = steps.TakeLast(5).Average(s => s.Loss);
        Assert.InRange(first, Math.Log(32) - 0.3, Math.Log(32) + 0.3);
        Assert.True(last < first - 1.0, $"loss {first:f3} → {last:f3}");
    }

    [Theory]
    [InlineData(Scheduler.Domain.Specs.Precision.Fp32)]
    [InlineData(Scheduler.Domain.Specs.Precision.Bf16)]
    public void A_run_stopped_and_resumed_produces_bit_identical_losses(Scheduler.Domain.Specs.Precision precision)
    {
        var plan = TinyJob.Plan(TinyJob.Spec(steps: 10, interval: 3, precision: precision));
        using var straight = new TempDirectory();
        var (_, expected) = TinyJob.Run(plan, straight.Path);

        using var interrupted = new TempDirectory();
        var (firstExit, before) = TinyJob.Run(plan, interrupted.Path, stopAfter: step => step == 4);
        var (secondExit, after) = TinyJob.Run(plan, interrupted.Path);

        Assert.Equal(TrainerExitCodes.Checkpointed, firstExit);
        Assert.Equal(TrainerExitCodes.Finished, secondExit);
        Assert.Equal(expected.Select(s => s.Step), before.Concat(after).Select(s => s.Step));
        Assert.Equal(expected.Select(s => s.Loss), before.Concat(after).Select(s => s.Loss));
    }

    [Fact]
    public void Max_steps_is_a_total_and_leaves_a_checkpoint_to_continue_from()
    {
        using var dir = new TempDirectory();
        var plan = TinyJob.Plan(TinyJob.Spec(steps: 10, interval: 100));
        var (exit, steps) = TinyJob.Run(plan, dir.Path, maxSteps: 3);
        var (again, more) = TinyJob.Run(plan, dir.Path, maxSteps: 5);
        var (done, none) = TinyJob.Run(plan, dir.Path, maxSteps: 5);

        Assert.Equal((TrainerExitCodes.Finished, TrainerExitCodes.Finished, TrainerExitCodes.Finished), (exit, again, done));
        Assert.Equal([1L, 2, 3], steps.Select(s => s.Step));
        Assert.Equal([4L, 5], more.Select(s => s.Step));
        Assert.Empty(none);
    }

    [Fact]
    public void Checkpoints_land_on_the_interval_and_only_the_newest_two_are_kept()
    {
        using var dir = new TempDirectory();
        var plan = TinyJob.Plan(TinyJob.Spec(steps: 9, interval: 2));
        TinyJob.Run(plan, dir.Path);
        var store = new CheckpointStore(dir.Path, "any");
        Assert.Equal([8L, 9], store.CommittedSteps());
    }

    [Fact]
    public void Gradient_accumulation_matches_one_big_micro_batch()
    {
        var accumulated = TinyJob.Plan(TinyJob.Spec(steps: 3, globalBatch: 4, microBatch: 1));
        var single = TinyJob.Plan(TinyJob.Spec(steps: 3, globalBatch: 4, microBatch: 4));
        using var a = new TempDirectory();
        using var b = new TempDirectory();
        var lossesA = TinyJob.Run(accumulated, a.Path).Steps.Select(s => s.Loss).ToList();
        var lossesB = TinyJob.Run(single, b.Path).Steps.Select(s => s.Loss).ToList();
        for (var i = 0; i < lossesA.Count; i++)
        {
            Assert.Equal(lossesB[i], lossesA[i], 5);
        }
    }
}
