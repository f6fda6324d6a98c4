using System.Globalization;
using System.Runtime.InteropServices;

namespace Scheduler.Trainer.Checkpoints;

/// <summary>
/// Checkpoints as <c>step-000000123.ckpt</c> plus a <c>step-000000123.committed</c> marker. Each file is written to a
/// temporary name, fsynced and renamed, and the directory fsynced, in that order, so a crash at any point leaves either
/// the previous committed checkpoint or the new one, never a torn file that looks committed. Keeps the newest two.
/// </summary>
internal sealed partial class CheckpointStore(string directory, string fingerprint)
{
    private const string DataSuffix = ".ckpt";
    private const string MarkerSuffix = ".committed";
    private const int Kept = 2;

    public string Directory { get; } = directory;

    public void Save(TrainingState state)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var name = Name(state.Step);
        WriteDurably(Path.Combine(Directory, name + DataSuffix), stream => CheckpointFormat.Write(stream, state, fingerprint));
        WriteDurably(Path.Combine(Directory, name + MarkerSuffix), stream => stream.Write("committed\n"u8));
        Prune();
    }

    /// <summary>The newest committed checkpoint, or null when there is none.</summary>
    public TrainingState? LoadLatest()
    {
        var step = CommittedSteps().DefaultIfEmpty(-1).Max();
        if (step < 0)
        {
            return null;
        }

        using var stream = File.OpenRead(Path.Combine(Directory, Name(step) + DataSuffix));
        return CheckpointFormat.Read(stream, fingerprint);
    }

    public IEnumerable<long> CommittedSteps()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return [];
        }

        return System.IO.Directory.EnumerateFiles(Directory, "step-*" + MarkerSuffix)
            .Select(path => Path.GetFileName(path)["step-".Length..^MarkerSuffix.Length])
            .Select(digits => long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : -1)
            .Where(s => s >= 0 && File.Exists(Path.Combine(Directory, Name(s) + DataSuffix)))
            .Order()
            .ToList();
    }

    private void Prune()
    {
        foreach (var step in CommittedSteps().Reverse().Skip(Kept))
        {
            // Marker first: a crash in between leaves an uncommitted data file, which is ignored.
            File.Delete(Path.Combine(Directory, Name(step) + MarkerSuffix));
            File.Delete(Path.Combine(Directory, Name(step) + DataSuffix));
        }
    }

    private static string Name(long step) => "step-" + step.ToString("D9", CultureInfo.InvariantCulture);

    private void WriteDurably(string path, Action<Stream> write)
    {
        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            write(stream);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
        SyncDirectory(Directory);
    }

    /// <summary>fsync on the directory makes the rename itself durable (POSIX); .NET has no API for it.</summary>
    private static void SyncDirectory(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var fd = Open(path, ReadOnlyDirectory);
        if (fd < 0)
        {
            return;
        }

        try
        {
            _ = Fsync(fd);
        }
        finally
        {
            _ = Close(fd);
        }
    }

    private const int ReadOnlyDirectory = 0x10000; // O_RDONLY | O_DIRECTORY on Linux

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync")]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
