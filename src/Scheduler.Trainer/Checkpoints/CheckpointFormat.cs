using System.Runtime.InteropServices;
using Scheduler.Trainer.Data;

namespace Scheduler.Trainer.Checkpoints;

/// <summary>
/// Binary layout of one checkpoint: magic "GPTCKPT1", the model fingerprint (length-prefixed UTF-8), step, data cursor
/// (position, RNG state), parameter count, then weights, first and second AdamW moments as little-endian fp32.
/// </summary>
internal static class CheckpointFormat
{
    private static readonly byte[] Magic = "GPTCKPT1"u8.ToArray();

    public static void Write(Stream stream, TrainingState state, string fingerprint)
    {
        using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        writer.Write(Magic);
        writer.Write(fingerprint);
        writer.Write(state.Step);
        writer.Write(state.Cursor.Position);
        writer.Write(state.Cursor.RngState);
        writer.Write((long)state.Weights.Length);
        writer.Flush();
        stream.Write(MemoryMarshal.AsBytes(state.Weights.AsSpan()));
        stream.Write(MemoryMarshal.AsBytes(state.FirstMoment.AsSpan()));
        stream.Write(MemoryMarshal.AsBytes(state.SecondMoment.AsSpan()));
    }

    /// <summary>Reads a checkpoint; a different model fingerprint is an error naming both.</summary>
    public static TrainingState Read(Stream stream, string expectedFingerprint)
    {
        using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        if (!reader.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic))
        {
            throw new InvalidDataException("not a trainer checkpoint (bad magic)");
        }

        var fingerprint = reader.ReadString();
        if (fingerprint != expectedFingerprint)
        {
            throw new IncompatibleCheckpointException($"the checkpoint is of model '{fingerprint}', the spec describes '{expectedFingerprint}'");
        }

        var step = reader.ReadInt64();
        var cursor = new DataCursor(reader.ReadInt64(), reader.ReadUInt64());
        var count = checked((int)reader.ReadInt64());
        var state = new TrainingState(step, cursor, new float[count], new float[count], new float[count]);
        ReadExactly(stream, state.Weights);
        ReadExactly(stream, state.FirstMoment);
        ReadExactly(stream, state.SecondMoment);
        return state;
    }

    private static void ReadExactly(Stream stream, float[] values) => stream.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()));
}

/// <summary>The checkpoint directory holds a checkpoint of another model: resuming it would be wrong, starting over would hide it.</summary>
internal sealed class IncompatibleCheckpointException(string message) : Exception(message);
