using System.Buffers.Binary;
using System.Buffers.Text;

namespace Scheduler.Application.Jobs;

/// <summary>Where a page of jobs ended: the last job's creation time and id, opaque to clients (base64url).</summary>
public readonly record struct JobCursor(DateTimeOffset CreatedAt, Guid Id)
{
    private const int Length = 8 + 16;

    public string Encode()
    {
        Span<byte> bytes = stackalloc byte[Length];
        BinaryPrimitives.WriteInt64BigEndian(bytes, CreatedAt.UtcTicks);
        Id.TryWriteBytes(bytes[8..], bigEndian: true, out _);
        return Base64Url.EncodeToString(bytes);
    }

    public static bool TryDecode(string? text, out JobCursor cursor)
    {
        cursor = default;
        Span<byte> bytes = stackalloc byte[Length + 3];
        if (string.IsNullOrEmpty(text) || !Base64Url.IsValid(text) || !Base64Url.TryDecodeFromChars(text, bytes, out var written) || written != Length)
        {
            return false;
        }

        var ticks = BinaryPrimitives.ReadInt64BigEndian(bytes);
        if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
        {
            return false;
        }

        cursor = new JobCursor(new DateTimeOffset(ticks, TimeSpan.Zero), new Guid(bytes[8..Length], bigEndian: true));
        return true;
    }
}
