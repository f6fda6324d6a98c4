using System.Globalization;
using Scheduler.Benchmarks.Trace;
using Scheduler.Core.Placement;

namespace Scheduler.Benchmarks;

/// <summary>The few <c>--name value</c> options the verbs take.</summary>
internal sealed class Cli(Dictionary<string, string> values)
{
    public const string DefaultPods = "docs/benchmarks/data/openb/openb_pod_list_default.csv";
    public const string DefaultNodes = "docs/benchmarks/data/openb/openb_node_list_gpu_node.csv";

    public const string Usage = """
        usage: Scheduler.Benchmarks <verb> [options]
          trace --pods <csv> --nodes <csv> [--seeds 10] [--first-seed 0] [--policies default,fgd,bestfit,gpupacking,random]
          study --pods <csv> --nodes <csv> [--seeds 10] [--policies default,fgd]   (free milli per GPU at the end, failed shapes)
          variants [--pods <csv>] [--out docs/benchmarks/data/openb] [--seed 2023]
          placements [--pods <csv>] [--nodes <csv>] [--runs 10]
          cycle [--repetitions 20] [--pending 50000] [--policy default] [--preemption on|off] [--backfill on|off]
                [--array 10000 [--array-parallelism 100]]   (an array's cost per cycle: gated, ungated, none)
          replay [--pods <csv>] [--nodes <csv>] [--load 0.4]
          advise [--repetitions 20]
          topology [--racks 64] [--nodes-per-rack 16] [--racks-per-block 8] [--jobs 3000] [--load 0.9] [--seed 1]   (aware vs blind)
          whatif [--pods <csv>] [--nodes <csv>] [--queues <json>] [--queue-column qos] [--speed 1 | --load 0.4] [--node-stride 1]
                 [--policy default] [--preemption on|off] [--backfill on|off] [--buckets 10]
          submit --db <connection string> [--out docs/benchmarks] [--clients 64] [--seconds 30] [--warmup 3]
          load --db <connection string> [--out docs/benchmarks] [--clients 1000] [--seconds 60]   (mixed operations; reliability.md)
          e2e --db <connection string> [--nodes 1000] [--jobs 10000] [--rate 0 (burst) | submissions/s] [--shapes mixed|one-gpu]
              [--clients 16] [--timeout 300] [--out docs/benchmarks] [--set "--Scheduler:Kubernetes:ApiQps=200 ..."]
              [--array on]   (the burst as arrays of one-GPU tasks, one request per 10,000 of --jobs)
          all [--db <connection string>] [--out docs/benchmarks] [--seeds 10]
        """;

    public static Cli Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"expected '--option value', got '{args[i]}'");
            }

            values[args[i]] = args[++i];
        }

        return new Cli(values);
    }

    public string Get(string name, string fallback) => values.GetValueOrDefault(name, fallback);

    public int Int(string name, int fallback) =>
        values.TryGetValue(name, out var text) ? int.TryParse(text, CultureInfo.InvariantCulture, out var value) && value > 0 ? value
            : throw new ArgumentException($"{name}: expected a positive integer, got '{text}'") : fallback;

    public double Double(string name, double fallback) =>
        values.TryGetValue(name, out var text) ? double.TryParse(text, CultureInfo.InvariantCulture, out var value) && value > 0 ? value
            : throw new ArgumentException($"{name}: expected a positive number, got '{text}'") : fallback;

    public IReadOnlyList<PlacementPolicy> Policies() =>
        values.TryGetValue("--policies", out var text) ? text.Split(',').Select(TraceBenchmark.ParsePolicy).ToArray() : TraceBenchmark.AllPolicies;
}
