using System.Globalization;
using System.Text;

namespace Scheduler.Benchmarks.Trace;

/// <summary>
/// Sharing-heavy and multi-GPU-heavy variants of an openb pod list, resampled from it as the FGD paper (Weng et al., ATC '23,
/// Section 6) describes its gpushare and multigpu workloads. The mix is measured in GPU milli requested, not in task counts:
/// <list type="bullet">
/// <item><c>gpushareX</c>: GPU-sharing tasks (one GPU, under 1000 milli) ask for X% of the GPU milli of all GPU tasks. The CPU-only
/// tasks are kept and the number of GPU tasks stays that of the source; each GPU task is drawn with replacement from the source's
/// sharing tasks while their share of the milli drawn so far is below X, else from its other GPU tasks.</item>
/// <item><c>multigpuX</c>: every source task is kept and multi-GPU tasks drawn with replacement from the source's are appended until
/// they ask for X% of the GPU milli.</item>
/// </list>
/// Draws use a seeded generator; the result is shuffled (seeded) and renamed <c>openb-pod-NNNN</c>. Only the columns the inflation
/// protocol reads are written (a resampled list has no meaningful times).
/// </summary>
internal static class TraceVariants
{
    public const int DefaultSeed = 2023;

    public static readonly int[] GpuSharePercents = [20, 40, 60, 80, 100];

    public static readonly int[] MultiGpuPercents = [20, 30, 40, 50];

    public static IReadOnlyList<TraceTask> GpuShare(IReadOnlyList<TraceTask> source, int percent, int seed)
    {
        CheckPercent(percent);
        var random = new Random(unchecked(seed * 1000 + percent));
        var sharing = source.Where(IsSharing).ToArray();
        var whole = source.Where(t => t.NumGpu > 0 && !IsSharing(t)).ToArray();
        var gpuTasks = sharing.Length + whole.Length;
        if (percent > 0 && sharing.Length == 0 || percent < 100 && whole.Length == 0)
        {
            throw new ArgumentException("the source list lacks the sharing or whole-GPU tasks to resample from", nameof(source));
        }

        var result = source.Where(t => t.NumGpu == 0).ToList();
        long sharedMilli = 0, totalMilli = 0;
        for (var i = 0; i < gpuTasks; i++)
        {
            var drawShared = percent == 100 || (totalMilli == 0 ? percent > 0 : sharedMilli * 100 < (long)percent * totalMilli);
            var task = drawShared ? sharing[random.Next(sharing.Length)] : whole[random.Next(whole.Length)];
            result.Add(task);
            totalMilli += task.RequestedMilli;
            sharedMilli += drawShared ? task.RequestedMilli : 0;
        }

        return Finish(result, random);
    }

    public static IReadOnlyList<TraceTask> MultiGpu(IReadOnlyList<TraceTask> source, int percent, int seed)
    {
        CheckPercent(percent);
        if (percent >= 100)
        {
            throw new ArgumentException("multi-GPU tasks can ask for at most part of the milli: the source's other tasks are all kept", nameof(percent));
        }

        var random = new Random(unchecked(seed * 1000 + 500 + percent));
        var multi = source.Where(t => t.NumGpu > 1).ToArray();
        if (multi.Length == 0)
        {
            throw new ArgumentException("the source list has no multi-GPU tasks to resample from", nameof(source));
        }

        var result = source.ToList();
        var multiMilli = multi.Sum(t => t.RequestedMilli);
        var totalMilli = source.Sum(t => t.RequestedMilli);
        while (multiMilli * 100 < (long)percent * totalMilli)
        {
            var task = multi[random.Next(multi.Length)];
            result.Add(task);
            multiMilli += task.RequestedMilli;
            totalMilli += task.RequestedMilli;
        }

        return Finish(result, random);
    }

    /// <summary>Share of the GPU milli asked for by the tasks that match <paramref name="kind"/>.</summary>
    public static double MilliShare(IReadOnlyList<TraceTask> tasks, Func<TraceTask, bool> kind) =>
        tasks.Where(kind).Sum(t => t.RequestedMilli) / (double)Math.Max(1, tasks.Sum(t => t.RequestedMilli));

    public static bool IsSharing(TraceTask t) => t.NumGpu == 1 && t.GpuMilli is > 0 and < 1000;

    /// <summary>Writes every variant next to each other as <c>openb_pod_list_gen_{gpushareX|multigpuX}.csv</c>; returns what it wrote.</summary>
    public static IReadOnlyList<string> WriteAll(string sourcePath, string outDir, int seed)
    {
        var source = TraceFiles.ReadTasks(sourcePath);
        Directory.CreateDirectory(outDir);
        var written = new List<string>();
        foreach (var percent in GpuSharePercents)
        {
            written.Add(Write(Path.Combine(outDir, $"openb_pod_list_gen_gpushare{percent}.csv"), GpuShare(source, percent, seed)));
        }

        foreach (var percent in MultiGpuPercents)
        {
            written.Add(Write(Path.Combine(outDir, $"openb_pod_list_gen_multigpu{percent}.csv"), MultiGpu(source, percent, seed)));
        }

        return written;
    }

    public static string Write(string path, IReadOnlyList<TraceTask> tasks)
    {
        var csv = new StringBuilder("name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec\n");
        foreach (var t in tasks)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{t.Name},{t.CpuMilli},{t.MemoryMiB},{t.NumGpu},{t.GpuMilli},{t.GpuSpec}\n");
        }

        File.WriteAllText(path, csv.ToString());
        return path;
    }

    private static List<TraceTask> Finish(List<TraceTask> tasks, Random random)
    {
        for (var i = tasks.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (tasks[i], tasks[j]) = (tasks[j], tasks[i]);
        }

        var digits = Math.Max(4, tasks.Count.ToString(CultureInfo.InvariantCulture).Length);
        return tasks.Select((t, i) => t with { Name = "openb-pod-" + i.ToString(new string('0', digits), CultureInfo.InvariantCulture), CreationTime = null, DeletionTime = null })
            .ToList();
    }

    private static void CheckPercent(int percent)
    {
        if (percent is < 0 or > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(percent), percent, "a share in percent, 0–100");
        }
    }
}
