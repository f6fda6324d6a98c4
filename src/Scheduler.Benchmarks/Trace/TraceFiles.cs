using System.Globalization;

namespace Scheduler.Benchmarks.Trace;

/// <summary>One task of an openb pod list: <c>num_gpu</c> whole GPUs, or <c>gpu_milli</c> of one GPU when <c>num_gpu</c> is 1.</summary>
internal sealed record TraceTask(string Name, long CpuMilli, long MemoryMiB, int NumGpu, int GpuMilli, string GpuSpec, long? CreationTime, long? DeletionTime)
{
    /// <summary>GPU milli the task asks for: what the inflation protocol counts as arrived.</summary>
    public long RequestedMilli => NumGpu == 0 ? 0 : NumGpu == 1 ? GpuMilli : NumGpu * 1000L;

    /// <summary>Milli per GPU: the fraction for a shared task, 1000 otherwise.</summary>
    public int MilliPerGpu => NumGpu == 1 ? Math.Clamp(GpuMilli, 1, 1000) : 1000;
}

/// <summary>One node of an openb node list.</summary>
internal sealed record TraceNode(string Name, long CpuMilli, long MemoryMiB, int Gpus, string Model);

/// <summary>Reads the openb CSV files (header row, comma-separated, columns found by name).</summary>
internal static class TraceFiles
{
    public static IReadOnlyList<TraceNode> ReadNodes(string path) =>
        Read(path, (row, col) => new TraceNode(
            row[col["sn"]],
            Long(row[col["cpu_milli"]]),
            Long(row[col["memory_mib"]]),
            (int)Long(row[col["gpu"]]),
            row[col["model"]]));

    public static IReadOnlyList<TraceTask> ReadTasks(string path) =>
        Read(path, (row, col) => new TraceTask(
            row[col["name"]],
            Long(row[col["cpu_milli"]]),
            Long(row[col["memory_mib"]]),
            (int)Long(row[col["num_gpu"]]),
            (int)Long(row[col["gpu_milli"]]),
            col.TryGetValue("gpu_spec", out var spec) ? row[spec] : "",
            col.TryGetValue("creation_time", out var created) ? NullableLong(row[created]) : null,
            col.TryGetValue("deletion_time", out var deleted) ? NullableLong(row[deleted]) : null));

    /// <summary>One text column of every row, or null when the file has no such column.</summary>
    public static IReadOnlyList<string>? ReadColumn(string path, string column)
    {
        using var reader = new StreamReader(path);
        var header = (reader.ReadLine() ?? string.Empty).Split(',').Select(c => c.Trim()).ToList();
        var index = header.IndexOf(column);
        if (index < 0)
        {
            return null;
        }

        reader.Close();
        return Read(path, (row, _) => row[index].Trim());
    }

    private static List<T> Read<T>(string path, Func<string[], Dictionary<string, int>, T> parse)
    {
        using var reader = new StreamReader(path);
        var header = reader.ReadLine() ?? throw new InvalidDataException($"{path} is empty.");
        var columns = header.Split(',').Select((name, i) => (name: name.Trim(), i)).ToDictionary(c => c.name, c => c.i, StringComparer.Ordinal);
        var rows = new List<T>();
        var lineNumber = 1;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            try
            {
                rows.Add(parse(line.Split(','), columns));
            }
            catch (Exception e) when (e is FormatException or IndexOutOfRangeException or KeyNotFoundException)
            {
                throw new InvalidDataException($"{path}:{lineNumber}: {e.Message}", e);
            }
        }

        return rows;
    }

    private static long Long(string text) => text.Length == 0 ? 0 : (long)double.Parse(text, CultureInfo.InvariantCulture);

    private static long? NullableLong(string text) => text.Length == 0 ? null : Long(text);
}
