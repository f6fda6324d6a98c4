using Scheduler.Trainer.Data;

namespace Scheduler.Trainer.Checkpoints;

/// <summary>Everything a resumed run needs to continue bit-exactly: weights, AdamW moments, the data stream and the step.</summary>
internal sealed class TrainingState(long step, DataCursor cursor, float[] weights, float[] firstMoment, float[] secondMoment)
{
    /// <summary>Optimizer steps completed.</summary>
    public long Step { get; set; } = step;

    public DataCursor Cursor { get; set; } = cursor;

    public float[] Weights { get; } = weights;

    public float[] FirstMoment { get; } = firstMoment;

    public float[] SecondMoment { get; } = secondMoment;
}
