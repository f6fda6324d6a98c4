using Scheduler.Trainer.Checkpoints;
using Scheduler.Trainer.Data;
using Scheduler.Trainer.Tests.Support;

namespace Scheduler.Trainer.Tests.Checkpoints;

public sealed class CheckpointStoreTests
{
    private static TrainingState State(long step) =>
        new(step, new DataCursor(step * 10, 0xDEADBEEF_00000000UL + (ulong)step), [1f, 2f, float.Epsilon], [3f, -0f, 5f], [6f, 7f, float.MaxValue]);

    [Fact]
    public void Round_trips_every_field_exactly()
    {
        using var dir = new TempDirectory();
        var store = new CheckpointStore(dir.Path, "model-a");
        store.Save(State(7));
        var loaded = store.LoadLatest()!;
        Assert.Equal(7, loaded.Step);
        Assert.Equal(State(7).Cursor, loaded.Cursor);
        Assert.Equal(State(7).Weights, loaded.Weights);
        Assert.Equal(State(7).FirstMoment.Select(BitConverter.SingleToInt32Bits), loaded.FirstMoment.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(State(7).SecondMoment, loaded.SecondMoment);
    }

    [Fact]
    public void A_checkpoint_without_its_commit_marker_is_ignored()
    {
        using var dir = new TempDirectory();
        var store = new CheckpointStore(dir.Path, "model-a");
        store.Save(State(4));
        store.Save(State(8));
        File.Delete(Path.Combine(dir.Path, "step-000000008.committed"));
        File.WriteAllText(Path.Combine(dir.Path, "step-000000012.ckpt.tmp"), "torn");

        Assert.Equal(4, store.LoadLatest()!.Step);
        Assert.Equal([4L], store.CommittedSteps());
    }

    [Fact]
    public void An_empty_directory_has_no_checkpoint_and_another_models_checkpoint_is_refused()
    {
        using var dir = new TempDirectory();
        Assert.Null(new CheckpointStore(Path.Combine(dir.Path, "missing"), "model-a").LoadLatest());
        new CheckpointStore(dir.Path, "model-a").Save(State(1));
        var ex = Assert.Throws<IncompatibleCheckpointException>(() => new CheckpointStore(dir.Path, "model-b").LoadLatest());
        Assert.Contains("model-a", ex.Message);
        Assert.Empty(Directory.EnumerateFiles(dir.Path, "*.tmp"));
    }
}
