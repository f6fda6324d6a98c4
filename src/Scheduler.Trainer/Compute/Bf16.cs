namespace Scheduler.Trainer.Compute;

/// <summary>bfloat16 as the upper 16 bits of an fp32, rounded to nearest even (what GPUs do when they convert).</summary>
internal static class Bf16
{
    public static ushort FromFloat(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        if ((bits & 0x7FFF_FFFF) > 0x7F80_0000)
        {
            return (ushort)((bits >> 16) | 0x40); // keep NaN a quiet NaN
        }

        var roundingBias = 0x7FFFu + ((bits >> 16) & 1);
        return (ushort)((bits + roundingBias) >> 16);
    }

    public static float ToFloat(ushort value) => BitConverter.UInt32BitsToSingle((uint)value << 16);

    /// <summary>The float a bf16 store and load would give back.</summary>
    public static float Round(float value) => ToFloat(FromFloat(value));
}
