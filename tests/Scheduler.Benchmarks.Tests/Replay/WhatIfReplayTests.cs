using Scheduler.Benchmarks.Replay;
using Scheduler.Benchmarks.Trace;
using Scheduler.Core.Cycle;

namespace Scheduler.Benchmarks.Tests.Replay;

public sealed class WhatIfReplayTests
{
    /// <summary>One node of two T4s; "train" asks for both GPUs from t=0 for 100 s, "infer" for one from t=10 for 50 s.</summary>
    private static readonly TraceNode[] Node = [new("node-0", 64_000, 262_144, 2, "T4")];

    private static readonly TraceTask[] Tasks =
    [
        new("train", 1_000, 1_024, 2, 1000, "", CreationTime: 0, DeletionTime: 100),
        new("infer", 1_000, 1_024, 1, 1000, "", CreationTime: 10, DeletionTime: 60),
    ];

    private static readonly string[] QueueOf = ["research", "serving"];

    private static WhatIfResult Replay(params ReplayQueue[] queues) =>
        new WhatIfReplay(Node, Tasks, QueueOf, queues).Run(speed: 1, SchedulerOptions.Default, buckets: 2);

    private static QueueLine Queue(WhatIfResult result, string name) => Assert.Single(result.Queues, q => q.Queue == name);

    [Fact]
    public void A_task_waits_for_capacity_and_each_queue_is_charged_the_gpu_hours_it_held()
    {
        var result = Replay(new ReplayQueue("research", NominalShare: 1), new ReplayQueue("serving", NominalShare: 1));

        Assert.Equal(90, Queue(result, "serving").MeanWaitSeconds, 6);
        Assert.Equal(0, Queue(result, "research").MeanWaitSeconds, 6);
        Assert.Equal(2 * 100 / 3600.0, Queue(result, "research").GpuHours, 9);
        Assert.Equal(50 / 3600.0, Queue(result, "serving").GpuHours, 9);
        Assert.Equal(150, result.MakespanSeconds, 6);
        // Two GPUs busy for 100 s, then one for 50 s, of two for 150 s; per half: 75 s full, then 25 s full and 50 s half.
        Assert.Equal(250 / 300.0, result.Utilization, 6);
        Assert.Equal([1.0, 100 / 150.0], result.UtilizationOverTime.Select(u => Math.Round(u, 9)).ToArray(), (x, y) => Math.Abs(x - y) < 1e-6);
    }

    [Fact]
    public void A_queue_without_quota_for_the_gpu_type_never_starts_its_tasks()
    {
        var result = Replay(new ReplayQueue("research", NominalShare: 1), new ReplayQueue("serving", NominalQuota: new Dictionary<string, int> { ["T4"] = 0 }));

        Assert.Equal(0, Queue(result, "serving").Started);
        Assert.Equal(1, Queue(result, "research").Started);
    }

    [Fact]
    public void A_queue_reclaims_lent_quota_by_preempting_the_borrower_which_resumes_later()
    {
        // research lends nothing and owns nothing: its job borrows serving's two GPUs until serving's task arrives.
        var result = Replay(
            new ReplayQueue("research", Cohort: "ml", NominalShare: 0),
            new ReplayQueue("serving", Cohort: "ml", NominalShare: 1));

        Assert.Equal(1, result.Preemptions);
        Assert.Equal(1, Queue(result, "research").Preempted);
        Assert.Equal(0, Queue(result, "serving").MeanWaitSeconds, 6);
        // research ran 10 s, then the 90 s it had left after serving's 50 s: the same GPU-hours, a later end.
        Assert.Equal(2 * 100 / 3600.0, Queue(result, "research").GpuHours, 9);
        Assert.Equal(150, result.MakespanSeconds, 6);
    }

    [Fact]
    public void Speed_compresses_arrivals_but_not_runtimes()
    {
        var result = new WhatIfReplay(Node, Tasks, QueueOf, [new ReplayQueue("research", NominalShare: 1), new ReplayQueue("serving", NominalShare: 1)])
            .Run(speed: 10, SchedulerOptions.Default);

        // infer arrives at 1 s instead of 10 s and still waits for train's end at 100 s.
        Assert.Equal(99, Queue(result, "serving").MeanWaitSeconds, 6);
        Assert.Equal(150, result.MakespanSeconds, 6);
    }

    [Fact]
    public void Rejects_a_task_whose_queue_is_not_configured()
    {
        var error = Assert.Throws<ArgumentException>(() => new WhatIfReplay(Node, Tasks, QueueOf, [new ReplayQueue("research")]));

        Assert.Contains("'serving'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reads_queues_from_json_and_rejects_duplicates()
    {
        var dir = Directory.CreateTempSubdirectory("queues").FullName;
        try
        {
            var good = Path.Combine(dir, "good.json");
            File.WriteAllText(good, """{"queues": [{"name": "LS", "cohort": "openb", "nominalQuota": {"T4": 3}, "priority": 2000}, {"name": "BE", "nominalShare": 0.25}]}""");
            var dup = Path.Combine(dir, "dup.json");
            File.WriteAllText(dup, """{"queues": [{"name": "LS"}, {"name": "LS"}]}""");

            var queues = ReplayQueues.Read(good);

            Assert.Equal(3, queues[0].ToQueueInfo(new Dictionary<string, int> { ["T4"] = 10 }).NominalQuota["T4"]);
            Assert.Equal(2000, queues[0].Priority);
            Assert.Equal(2, queues[1].ToQueueInfo(new Dictionary<string, int> { ["T4"] = 10 }).NominalQuota["T4"]);
            Assert.Throws<InvalidDataException>(() => ReplayQueues.Read(dup));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
