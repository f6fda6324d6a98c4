using System.Globalization;
using System.Text;

namespace Scheduler.Benchmarks.Tests.Trace;

/// <summary>Builds small node and pod lists in the openb CSV format in a temporary folder.</summary>
internal sealed class TraceCsv : IDisposable
{
    private readonly StringBuilder _nodes = new("sn,cpu_milli,memory_mib,gpu,model\n");
    private readonly StringBuilder _pods = new("name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time\n");
    private readonly string _directory = Directory.CreateTempSubdirectory("trace-csv").FullName;
    private int _nodeCount;
    private int _podCount;

    public string NodesPath => Write("nodes.csv", _nodes);

    public string PodsPath => Write("pods.csv", _pods);

    public TraceCsv Nodes(int count, int gpus, string model, long cpuMilli = 64_000, long memoryMiB = 262_144)
    {
        for (var i = 0; i < count; i++)
        {
            _nodes.Append(CultureInfo.InvariantCulture, $"node-{_nodeCount++:D4},{cpuMilli},{memoryMiB},{gpus},{model}\n");
        }

        return this;
    }

    public TraceCsv Pods(
        int count, int gpus, int gpuMilli = 1000, string gpuSpec = "", long cpuMilli = 1_000, long memoryMiB = 1_024, long creationTime = 0, long deletionTime = 100)
    {
        for (var i = 0; i < count; i++)
        {
            _pods.Append(CultureInfo.InvariantCulture,
                $"pod-{_podCount++:D4},{cpuMilli},{memoryMiB},{gpus},{gpuMilli},{gpuSpec},LS,Running,{creationTime},{deletionTime},{creationTime}\n");
        }

        return this;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(string name, StringBuilder content)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, content.ToString());
        return path;
    }
}
