namespace Scheduler.Trainer.Data;

/// <summary>
/// Where the data stream stands: <see cref="Position"/> is the next token of a token file (or the number of synthetic
/// sequences drawn), <see cref="RngState"/> the synthetic corpus's generator state. Checkpointed, so resume is exact.
/// </summary>
internal readonly record struct DataCursor(long Position, ulong RngState);

/// <summary>Training sequences: inputs are tokens [i, i+T), targets [i+1, i+T+1).</summary>
internal interface ITokenSource
{
    DataCursor Start();

    /// <summary>Sequence <paramref name="index"/> of the step that begins at <paramref name="cursor"/>.</summary>
    void Read(DataCursor cursor, int index, Span<int> inputs, Span<int> targets);

    /// <summary>The cursor after a step of <paramref name="sequences"/> sequences.</summary>
    DataCursor Advance(DataCursor cursor, int sequences);
}

/// <summary>A token file holds a token outside the vocabulary, or is not a whole number of tokens.</summary>
internal sealed class InvalidTokenDataException(string message) : Exception(message);
