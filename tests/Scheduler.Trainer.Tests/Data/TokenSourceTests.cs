using Scheduler.Trainer.Data;

namespace Scheduler.Trainer.Tests.Data;

public sealed class TokenSourceTests
{
    private static (int[] Inputs, int[] Targets) Read(ITokenSource source, DataCursor cursor, int index, int length)
    {
        var inputs = new int[length];
        var targets = new int[length];
        source.Read(cursor, index, inputs, targets);
        return (inputs, targets);
    }

    private static void AssertSequence((int[] Inputs, int[] Targets) actual, int[] inputs, int[] targets)
    {
        Assert.Equal(inputs, actual.Inputs);
        Assert.Equal(targets, actual.Targets);
    }

    [Fact]
    public void Synthetic_sequences_are_reproducible_shifted_by_one_and_mostly_follow_the_successor_table()
    {
        var corpus = new SyntheticCorpus(vocabSize: 50, length: 400, seed: 9);
        var cursor = corpus.Start();
        var (inputs, targets) = Read(corpus, cursor, 3, 400);
        Assert.Equal(Read(new SyntheticCorpus(50, 400, 9), cursor, 3, 400).Inputs, inputs);
        Assert.Equal(inputs[1..], targets[..^1]);
        Assert.NotEqual(Read(corpus, cursor, 4, 400).Inputs, inputs);
        Assert.NotEqual(Read(corpus, corpus.Advance(cursor, 8), 3, 400).Inputs, inputs);

        // The preferred successor of each token: the most frequent one across many sequences.
        var counts = new Dictionary<(int, int), int>();
        for (var s = 0; s < 20; s++)
        {
            var (x, y) = Read(corpus, cursor, s, 400);
            for (var t = 0; t < 400; t++)
            {
                counts[(x[t], y[t])] = counts.GetValueOrDefault((x[t], y[t])) + 1;
            }
        }

        var followed = counts.GroupBy(p => p.Key.Item1).Sum(g => g.Max(p => p.Value));
        Assert.InRange(followed / 8000.0, SyntheticCorpus.FollowProbability - 0.05, 1.0);
    }

    [Fact]
    public void Token_files_are_read_as_little_endian_uint16_in_order_and_wrap()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, Enumerable.Range(0, 10).SelectMany(i => new[] { (byte)i, (byte)0 }).ToArray());
            using var file = new TokenFile(path, vocabSize: 10, length: 3);
            var cursor = file.Start();
            Assert.Equal(10, file.Tokens);
            AssertSequence(Read(file, cursor, 0, 3), [0, 1, 2], [1, 2, 3]);
            AssertSequence(Read(file, cursor, 1, 3), [3, 4, 5], [4, 5, 6]);
            cursor = file.Advance(cursor, 2);
            AssertSequence(Read(file, cursor, 0, 3), [6, 7, 8], [7, 8, 9]);
            AssertSequence(Read(file, cursor, 1, 3), [2, 3, 4], [3, 4, 5]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void An_llmc_header_is_skipped()
    {
        var path = Path.GetTempFileName();
        try
        {
            var header = new int[256];
            header[0] = 20240520;
            header[1] = 1;
            header[2] = 4;
            using (var stream = File.Create(path))
            {
                stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(header.AsSpan()));
                stream.Write(new byte[] { 7, 0, 8, 0, 9, 0, 1, 1 });
            }

            using var file = new TokenFile(path, vocabSize: 300, length: 2);
            Assert.Equal(4, file.Tokens);
            AssertSequence(Read(file, file.Start(), 0, 2), [7, 8], [8, 9]);
            AssertSequence(Read(file, new DataCursor(1, 0), 0, 2), [8, 9], [9, 257]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Tokens_outside_the_vocabulary_and_odd_lengths_are_data_errors()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, [1, 0, 2, 0, 99, 0]);
            using (var file = new TokenFile(path, vocabSize: 10, length: 2))
            {
                var ex = Assert.Throws<InvalidTokenDataException>(() => Read(file, file.Start(), 0, 2));
                Assert.Contains("token 99", ex.Message);
            }

            File.WriteAllBytes(path, [1, 0, 2, 0, 3]);
            Assert.Throws<InvalidTokenDataException>(() => new TokenFile(path, vocabSize: 10, length: 1));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
