using System.Globalization;
using Scheduler.Benchmarks.Trace;
using Scheduler.Core.Placement;

var argsList = args.ToList();
if (argsList.Count == 0)
{
    Console.Error.WriteLine("usage: trace --pods <csv> --nodes <csv> [--seeds 10] [--policies a,b]");
    return 2;
}

string Opt(string name, string fallback)
{
    var i = argsList.IndexOf(name);
    return i >= 0 && i + 1 < argsList.Count ? argsList[i + 1] : fallback;
}

var nodes = TraceFiles.ReadNodes(Opt("--nodes", "../shared/traces/openb_node_list_gpu_node.csv"));
var tasks = TraceFiles.ReadTasks(Opt("--pods", "../shared/traces/openb_pod_list_default.csv"));
var seeds = int.Parse(Opt("--seeds", "10"), CultureInfo.InvariantCulture);
var policies = Opt("--policies", "FragmentationAware,BestFit,GpuPacking,Random").Split(',').Select(Enum.Parse<PlacementPolicy>);
var run = new InflationRun(nodes, tasks);
foreach (var policy in policies)
{
    var results = Enumerable.Range(0, seeds).Select(s => run.Run(policy, s)).ToList();
    Console.WriteLine(FormattableString.Invariant(
        $"policy={policy} alloc100={100 * results.Average(r => r.Alloc100):F2} allocEnd={100 * results.Average(r => r.AllocEnd):F2} tasks={results.Average(r => r.Tasks):F0} s={results.Average(r => r.Elapsed.TotalSeconds):F3}"));
}

return 0;
