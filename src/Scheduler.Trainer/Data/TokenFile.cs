using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;

namespace Scheduler.Trainer.Data;

/// <summary>
/// A file of little-endian uint16 token ids (docs/trainer.md). A file that starts with llm.c's header (int32 magic
/// 20240520, version, token count, 253 more int32s: 1024 bytes) is read after the header. Sequences are read in order,
/// each T+1 tokens overlapping the next by one; at the end the stream wraps to the start (a new epoch).
/// </summary>
internal sealed class TokenFile : ITokenSource, IDisposable
{
    private const int LlmcMagic = 20240520;
    private const int LlmcHeaderBytes = 256 * sizeof(int);
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly long _headerBytes;
    private readonly int _vocabSize;
    private readonly int _length;

    public TokenFile(string path, int vocabSize, int length)
    {
        var bytes = new FileInfo(path).Length;
        _file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        _view = _file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        _headerBytes = bytes >= LlmcHeaderBytes && _view.ReadInt32(0) == LlmcMagic ? LlmcHeaderBytes : 0;
        if ((bytes - _headerBytes) % 2 != 0)
        {
            Dispose();
            throw new InvalidTokenDataException($"{path}: {bytes - _headerBytes} bytes of tokens is not a whole number of uint16 tokens");
        }

        Tokens = (bytes - _headerBytes) / 2;
        _vocabSize = vocabSize;
        _length = length;
        if (Tokens < length + 1)
        {
            Dispose();
            throw new InvalidTokenDataException($"{path}: {Tokens} tokens, fewer than one sequence of {length + 1}");
        }
    }

    public long Tokens { get; }

    public DataCursor Start() => new(0, 0);

    public void Read(DataCursor cursor, int index, Span<int> inputs, Span<int> targets)
    {
        var start = (cursor.Position + (long)index * _length) % (Tokens - _length);
        for (var t = 0; t <= _length; t++)
        {
            var token = Token(start + t);
            if (token >= _vocabSize)
            {
                throw new InvalidTokenDataException($"token {token} at position {start + t} is outside the vocabulary of {_vocabSize}");
            }

            if (t < _length)
            {
                inputs[t] = token;
            }

            if (t > 0)
            {
                targets[t - 1] = token;
            }
        }
    }

    public DataCursor Advance(DataCursor cursor, int sequences) =>
        cursor with { Position = (cursor.Position + (long)sequences * _length) % (Tokens - _length) };

    private int Token(long index)
    {
        var raw = _view.ReadUInt16(_headerBytes + index * 2);
        return BitConverter.IsLittleEndian ? raw : BinaryPrimitives.ReverseEndianness(raw);
    }

    public void Dispose()
    {
        _view.Dispose();
        _file.Dispose();
    }
}
