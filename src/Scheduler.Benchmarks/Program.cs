using Scheduler.Benchmarks;
using Scheduler.Benchmarks.Report;
using Scheduler.Benchmarks.Trace;

// Verbs: trace, study, variants, placements, cycle, replay, whatif, advise, submit, load, e2e, all. See docs/benchmarks/scheduler.md and control-plane.md.
if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.Error.WriteLine(Cli.Usage);
    return args.Length == 0 ? 2 : 0;
}

try
{
    var options = Cli.Parse(args.Skip(1).ToArray());
    switch (args[0])
    {
        case "trace":
            TraceBenchmark.Run(options.Get("--pods", Cli.DefaultPods), options.Get("--nodes", Cli.DefaultNodes), options.Int("--seeds", 10),
                options.Policies(), Console.Out, Console.Error, options.Int("--first-seed", 0));
            return 0;
        case "study":
            foreach (var line in PlacementStudy.Run(options.Get("--pods", Cli.DefaultPods), options.Get("--nodes", Cli.DefaultNodes), options.Int("--seeds", 10),
                         options.Policies()))
            {
                Console.WriteLine(line);
            }

            return 0;
        case "variants":
            foreach (var path in TraceVariants.WriteAll(options.Get("--pods", Cli.DefaultPods), options.Get("--out", "docs/benchmarks/data/openb"),
                         options.Int("--seed", TraceVariants.DefaultSeed)))
            {
                Console.WriteLine(path);
            }

            return 0;
        case "placements":
            Console.WriteLine(SchedulerReport.Describe(PlacementSpeed.Run(options.Get("--pods", Cli.DefaultPods), options.Get("--nodes", Cli.DefaultNodes),
                Scheduler.Core.Placement.PlacementPolicy.FragmentationAware, options.Int("--runs", 10))));
            return 0;
        case "cycle":
            var cycleOptions = new Scheduler.Core.Cycle.SchedulerOptions
            {
                Policy = TraceBenchmark.ParsePolicy(options.Get("--policy", "default")),
                Preemption = options.Get("--preemption", "on") == "on",
                Backfill = options.Get("--backfill", "on") == "on",
            };
            if (options.Int("--array", 0) is > 0 and var arrayTasks)
            {
                foreach (var line in Scheduler.Benchmarks.Cycle.ArrayCycleBenchmark.Run(options.Int("--repetitions", 20), options.Int("--pending", 50_000),
                             arrayTasks, options.Int("--array-parallelism", 100), cycleOptions))
                {
                    Console.WriteLine(line);
                }

                return 0;
            }

            Console.WriteLine(SchedulerReport.Describe(Scheduler.Benchmarks.Cycle.CycleBenchmark.Run(options.Int("--repetitions", 20), options.Int("--pending", 50_000),
                cycleOptions)));
            return 0;
        case "replay":
            foreach (var line in Scheduler.Benchmarks.Replay.ReplayBenchmark.Run(options.Get("--pods", Cli.DefaultPods), options.Get("--nodes", Cli.DefaultNodes),
                         options.Double("--load", 0.4)))
            {
                Console.WriteLine(SchedulerReport.Describe(line));
            }

            return 0;
        case "topology":
            foreach (var line in Scheduler.Benchmarks.Topology.TopologyBenchmark.Run(new Scheduler.Benchmarks.Topology.TopologyBenchmark.Setup(
                         options.Int("--racks", 64), options.Int("--nodes-per-rack", 16), options.Int("--racks-per-block", 8), options.Int("--jobs", 3000),
                         options.Double("--load", 0.9), options.Int("--seed", 1))))
            {
                Console.WriteLine(line);
            }

            return 0;
        case "whatif":
            foreach (var line in Scheduler.Benchmarks.Replay.WhatIf.Run(options))
            {
                Console.WriteLine(line);
            }

            return 0;
        case "submit":
            return await Scheduler.Benchmarks.ControlPlane.SubmitBenchmark.RunAgainstLocalApiAsync(
                options.Get("--db", string.Empty), options.Get("--out", "docs/benchmarks"), CancellationToken.None,
                options.Int("--clients", Scheduler.Benchmarks.ControlPlane.SubmitBenchmark.DefaultClients),
                options.Int("--seconds", Scheduler.Benchmarks.ControlPlane.SubmitBenchmark.DefaultSeconds),
                options.Int("--warmup", Scheduler.Benchmarks.ControlPlane.SubmitBenchmark.DefaultWarmUpSeconds));
        case "load":
            return await Scheduler.Benchmarks.ControlPlane.MixedLoadBenchmark.RunAgainstLocalApiAsync(
                options.Get("--db", string.Empty), options.Get("--out", "docs/benchmarks"),
                options.Int("--clients", Scheduler.Benchmarks.ControlPlane.MixedLoadBenchmark.DefaultClients),
                options.Int("--seconds", Scheduler.Benchmarks.ControlPlane.MixedLoadBenchmark.DefaultSeconds), CancellationToken.None);
        case "e2e":
            return await Scheduler.Benchmarks.EndToEnd.EndToEndBenchmark.RunAsync(new Scheduler.Benchmarks.EndToEnd.EndToEndOptions
            {
                ConnectionString = options.Get("--db", string.Empty) is { Length: > 0 } e2eDb ? e2eDb : throw new ArgumentException("e2e needs --db <connection string>"),
                Nodes = options.Int("--nodes", 1000),
                Jobs = options.Int("--jobs", 10_000),
                Rate = options.Get("--rate", "0") == "0" ? 0 : options.Double("--rate", 0),
                Clients = options.Int("--clients", 16),
                Shapes = options.Get("--shapes", "mixed"),
                Array = options.Get("--array", "off") switch
                {
                    "on" => true,
                    "off" => false,
                    var other => throw new ArgumentException($"--array: expected on or off, got '{other}'"),
                },
                Timeout = TimeSpan.FromSeconds(options.Int("--timeout", 300)),
                OutDir = options.Get("--out", "docs/benchmarks"),
                Settings = options.Get("--set", string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries),
            }, CancellationToken.None);
        case "advise":
            Console.WriteLine(Scheduler.Benchmarks.Advice.AdviseBenchmark.Run(options.Int("--repetitions", 20)));
            return 0;
        case "all":
            SchedulerReport.RunAll(options.Get("--out", "docs/benchmarks"), options.Int("--seeds", 10), Console.Out);
            return options.Get("--db", string.Empty) is { Length: > 0 } db
                ? await Scheduler.Benchmarks.ControlPlane.SubmitBenchmark.RunAgainstLocalApiAsync(db, options.Get("--out", "docs/benchmarks"), CancellationToken.None)
                : 0;
        default:
            Console.Error.WriteLine($"unknown verb '{args[0]}'\n{Cli.Usage}");
            return 2;
    }
}
catch (Exception e) when (e is ArgumentException or FileNotFoundException or DirectoryNotFoundException or InvalidDataException or FormatException)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}
