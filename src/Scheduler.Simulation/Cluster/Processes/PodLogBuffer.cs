using System.Text;

namespace Scheduler.Simulation.Cluster.Processes;

/// <summary>Bounded per-pod line buffers filled from the processes' output streams (any thread).</summary>
internal sealed class PodLogBuffer(int maxLines, int maxPods) : IPodLogs
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Queue<string>> _logs = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    public void Append(string? @namespace, string name, string line)
    {
        var key = Key(@namespace, name);
        lock (_gate)
        {
            if (!_logs.TryGetValue(key, out var lines))
            {
                lines = new Queue<string>();
                _logs[key] = lines;
                _order.Enqueue(key);
                while (_order.Count > maxPods)
                {
                    _logs.Remove(_order.Dequeue());
                }
            }

            lines.Enqueue(line);
            while (lines.Count > maxLines)
            {
                lines.Dequeue();
            }
        }
    }

    public string? Read(string? @namespace, string name)
    {
        lock (_gate)
        {
            if (!_logs.TryGetValue(Key(@namespace, name), out var lines))
            {
                return null;
            }

            var text = new StringBuilder();
            foreach (var line in lines)
            {
                text.Append(line).Append('\n');
            }

            return text.ToString();
        }
    }

    /// <summary>The last <paramref name="count"/> lines, for a terminated container's message.</summary>
    public string Tail(string? @namespace, string name, int count)
    {
        lock (_gate)
        {
            return _logs.TryGetValue(Key(@namespace, name), out var lines) ? string.Join('\n', lines.Skip(Math.Max(0, lines.Count - count))) : string.Empty;
        }
    }

    private static string Key(string? @namespace, string name) => $"{@namespace ?? "default"}/{name}";
}
