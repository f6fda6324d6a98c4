using System.Globalization;

namespace Scheduler.Benchmarks.ControlPlane;

/// <summary>
/// CPU time (user + system) of process trees, read from <c>/proc</c> (Linux only). On a machine shared with other work,
/// wall-clock throughput says little; CPU seconds per submit barely change with contention.
/// </summary>
internal static class ProcessCpu
{
    private static readonly double TicksPerSecond = 100; // USER_HZ: 100 on every Linux architecture .NET runs on.

    /// <summary>Per process of the tree rooted at <paramref name="root"/>: its own CPU seconds, plus those of children it has reaped.</summary>
    public static Dictionary<int, double> Snapshot(int root)
    {
        var stats = AllStats();
        var tree = new Dictionary<int, double>();
        var pending = new Queue<int>([root]);
        while (pending.TryDequeue(out var pid))
        {
            if (!stats.TryGetValue(pid, out var stat) || !tree.TryAdd(pid, stat.Seconds))
            {
                continue;
            }

            foreach (var (child, childStat) in stats)
            {
                if (childStat.Parent == pid)
                {
                    pending.Enqueue(child);
                }
            }
        }

        return tree;
    }

    /// <summary>CPU seconds the tree spent between two snapshots; a process that appeared in between counts from zero.</summary>
    public static double Spent(Dictionary<int, double> before, Dictionary<int, double> after) =>
        after.Sum(p => p.Value - before.GetValueOrDefault(p.Key));

    /// <summary>The PostgreSQL server (postmaster) listening on <paramref name="port"/>, found by its command line (<c>-p port</c>).</summary>
    public static int? FindPostgres(int port)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            string[] argv;
            try
            {
                argv = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
            }
            catch (IOException)
            {
                continue;
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }

            var portText = port.ToString(CultureInfo.InvariantCulture);
            if (argv[0].EndsWith("postgres", StringComparison.Ordinal) && argv.Zip(argv.Skip(1)).Any(a => a is ("-p", var value) && value == portText))
            {
                return pid;
            }
        }

        return null;
    }

    private static Dictionary<int, (int Parent, double Seconds)> AllStats()
    {
        var stats = new Dictionary<int, (int, double)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                // pid (comm) state ppid ... utime(14) stime(15) cutime(16) cstime(17): comm may hold spaces, so split after ')'.
                var text = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
                var parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
                var ticks = Enumerable.Range(11, 4).Sum(i => long.Parse(fields[i], CultureInfo.InvariantCulture));
                stats[pid] = (parent, ticks / TicksPerSecond);
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
            catch (UnauthorizedAccessException)
            {
                // Not ours to read.
            }
        }

        return stats;
    }
}

/// <summary>CPU seconds over a measured run; PostgreSQL is null when its server could not be found on this machine.</summary>
internal sealed record CpuSeconds(double? Api, double? Postgres, double Client)
{
    public double Total => (Api ?? 0) + (Postgres ?? 0) + Client;
}

/// <summary>Measures the API's process tree, the PostgreSQL server's tree and this (client) process between Start and Stop.</summary>
public sealed class CpuMeter(int? apiProcess, int? postgresServer)
{
    private Dictionary<int, double>? _api;
    private Dictionary<int, double>? _postgres;
    private TimeSpan _client;

    public void Start()
    {
        _api = Tree(apiProcess);
        _postgres = Tree(postgresServer);
        _client = Environment.CpuUsage.TotalTime;
    }

    internal CpuSeconds Stop() => new(
        Spent(_api, Tree(apiProcess)),
        Spent(_postgres, Tree(postgresServer)),
        (Environment.CpuUsage.TotalTime - _client).TotalSeconds);

    private static Dictionary<int, double>? Tree(int? root) => root is { } pid && OperatingSystem.IsLinux() ? ProcessCpu.Snapshot(pid) : null;

    private static double? Spent(Dictionary<int, double>? before, Dictionary<int, double>? after) =>
        before is null || after is null ? null : ProcessCpu.Spent(before, after);
}
