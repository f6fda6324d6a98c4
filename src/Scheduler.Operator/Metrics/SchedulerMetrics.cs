using Prometheus;

namespace Scheduler.Operator.Metrics;

/// <summary>
/// Every metric the control plane exports, on one injected registry (no static state). Names, labels and meaning:
/// docs/metrics.md; the Grafana dashboards under charts/ use only these names (a test checks it).
/// </summary>
public sealed class SchedulerMetrics
{
    public const string Prefix = "gpu_scheduler_";
    public const string AcceptedOutcome = "accepted";
    public const string DuplicateOutcome = "duplicate";
    public const string RejectedOutcome = "rejected";

    /// <summary>Distinct <c>user</c> label values this process exports; later users count under <see cref="OtherUsers"/>.</summary>
    public const int MaxUserSeries = 200;

    public const string OtherUsers = "other";

    private readonly HashSet<string> _users = new(StringComparer.Ordinal);

    public SchedulerMetrics(CollectorRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        Registry = registry;
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        Jobs = factory.CreateGauge(Prefix + "jobs", "Jobs by queue and state (Queued = pending).", "queue", "state");
        AdmissionWait = factory.CreateHistogram(Prefix + "admission_wait_seconds", "Time from submission (or requeue) to admission.",
            new HistogramConfiguration { LabelNames = ["queue"], Buckets = Histogram.ExponentialBuckets(1, 2, 16) });
        CycleDuration = factory.CreateHistogram(Prefix + "cycle_duration_seconds", "One scheduling cycle: snapshot, decisions, apply.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.0005, 2, 16) });
        CyclePhase = factory.CreateHistogram(Prefix + "cycle_phase_seconds",
            "Wall time of one phase of a scheduling cycle: snapshot (store reads and build), reconcile, core, database (decision writes), api (pod and binding calls).",
            new HistogramConfiguration { LabelNames = ["phase"], Buckets = Histogram.ExponentialBuckets(0.0005, 2, 16) });
        Placements = factory.CreateCounter(Prefix + "placements_total", "Jobs placed on nodes.", "queue", "gpu_type");
        Preemptions = factory.CreateCounter(Prefix + "preemptions_total", "Jobs preempted, by the victim's queue and the reason kind.", "queue", "reason");
        GpuCapacity = factory.CreateGauge(Prefix + "gpu_capacity", "Allocatable GPUs per node.", "node", "gpu_type");
        GpuAllocated = factory.CreateGauge(Prefix + "gpu_allocated", "GPUs allocated per node (fractions count as their share).", "node", "gpu_type");
        QuotaNominal = factory.CreateGauge(Prefix + "quota_nominal_gpus", "Nominal quota per queue and GPU type.", "queue", "gpu_type");
        QuotaUsed = factory.CreateGauge(Prefix + "quota_used_gpus", "GPUs in use per queue and GPU type (above nominal is borrowed).", "queue", "gpu_type");
        BudgetRemaining = factory.CreateGauge(Prefix + "budget_remaining_gpu_hours", "GPU-hours left in the queue's current budget period.", "queue");
        EstimatorGpuHoursError = factory.CreateHistogram(Prefix + "estimator_gpu_hours_error_ratio",
            "(measured − predicted) ÷ predicted GPU-hours of succeeded jobs.",
            new HistogramConfiguration { LabelNames = ["gpu_type"], Buckets = Histogram.LinearBuckets(-1, 0.1, 21) });
        EstimatorMemoryError = factory.CreateHistogram(Prefix + "estimator_memory_error_ratio",
            "(measured − predicted) ÷ predicted peak memory per GPU of succeeded and OOMKilled jobs.",
            new HistogramConfiguration { LabelNames = ["gpu_type"], Buckets = Histogram.LinearBuckets(-1, 0.1, 21) });
        Mfu = factory.CreateGauge(Prefix + "mfu", "Mean model FLOPs utilisation of running jobs from trainer telemetry.", "gpu_type");
        StateRefreshed = factory.CreateGauge(Prefix + "state_refresh_timestamp_seconds",
            "Unix time of the last scrape whose state gauges (jobs, quota, budget, allocation, MFU) were read in time; older means they are stale.");
        EndReasons = factory.CreateCounter(Prefix + "job_end_reasons_total",
            "Attempts ended by a pod outcome, by queue and reason code (OOMKilled, Evicted, NodeLost, ImagePullBackOff, …).", "queue", "reason");
        Submissions = factory.CreateCounter(Prefix + "submissions_total", "Job submissions by outcome (accepted, rejected, duplicate).", "queue", "outcome");
        JobControls = factory.CreateCounter(Prefix + "job_controls_total", "Job controls a person applied (hold, release, requeue, update), by outcome (applied, refused).", "queue", "action", "outcome");
        OrphansWithheld = factory.CreateCounter(Prefix + "orphan_deletions_withheld_total",
            "Pods of jobs the database has no record of that the orphan guard kept (more than one pass may delete).");
        GpuSeconds = factory.CreateCounter(Prefix + "gpu_seconds_total",
            "GPU-seconds of ended attempts (placed time × GPUs) by queue, owning team and GPU type.", "queue", "team", "gpu_type");
        UserGpuSeconds = factory.CreateCounter(Prefix + "user_gpu_seconds_total",
            $"GPU-seconds of ended attempts by submitter (at most {MaxUserSeries} users per process, the rest as '{OtherUsers}').", "user");
    }

    public CollectorRegistry Registry { get; }

    public Counter EndReasons { get; }

    public Gauge Jobs { get; }

    public Histogram AdmissionWait { get; }

    public Histogram CycleDuration { get; }

    public Histogram CyclePhase { get; }

    public Counter Placements { get; }

    public Counter Preemptions { get; }

    public Gauge GpuCapacity { get; }

    public Gauge GpuAllocated { get; }

    public Gauge QuotaNominal { get; }

    public Gauge QuotaUsed { get; }

    public Gauge BudgetRemaining { get; }

    public Histogram EstimatorGpuHoursError { get; }

    public Histogram EstimatorMemoryError { get; }

    public Gauge Mfu { get; }

    public Gauge StateRefreshed { get; }

    public Counter Submissions { get; }

    public Counter JobControls { get; }

    public Counter OrphansWithheld { get; }

    public Counter GpuSeconds { get; }

    public Counter UserGpuSeconds { get; }

    /// <summary>The operator loop: once per scheduling cycle, snapshot to applied decisions.</summary>
    public void RecordCycle(TimeSpan duration) => CycleDuration.Observe(duration.TotalSeconds);

    /// <summary>The operator loop: once per job placed (Admitted), with its wait since submission or requeue.</summary>
    public void RecordPlacement(string queue, string gpuType, TimeSpan waited)
    {
        Placements.WithLabels(queue, gpuType).Inc();
        AdmissionWait.WithLabels(queue).Observe(Math.Max(0, waited.TotalSeconds));
    }

    /// <summary>The operator loop: once per victim; <paramref name="reason"/> is <c>priority</c> or <c>reclaim</c>.</summary>
    public void RecordPreemption(string victimQueue, string reason) => Preemptions.WithLabels(victimQueue, reason).Inc();

    /// <summary>Once per submission: <see cref="AcceptedOutcome"/>, <see cref="DuplicateOutcome"/> or <see cref="RejectedOutcome"/>.</summary>
    public void RecordSubmission(string queue, string outcome) => Submissions.WithLabels(queue, outcome).Inc();

    /// <summary>
    /// When a job ends Succeeded with telemetry: the estimator's error as (measured − predicted) ÷ predicted. Memory is
    /// skipped when either side is unknown.
    /// </summary>
    /// <summary>
    /// An OOMKilled job with a peak from telemetry: the memory it reached before the kill against the prediction (a lower
    /// bound of what it needed, so the error is at least this).
    /// </summary>
    public void RecordOomKilled(string gpuType, double predictedPeakMemoryGiB, double measuredPeakMemoryGiB)
    {
        if (predictedPeakMemoryGiB > 0)
        {
            EstimatorMemoryError.WithLabels(gpuType).Observe((measuredPeakMemoryGiB - predictedPeakMemoryGiB) / predictedPeakMemoryGiB);
        }
    }

    public void RecordFinishedJob(string gpuType, double predictedGpuHours, double measuredGpuHours, double? predictedPeakMemoryGiB, double? measuredPeakMemoryGiB)
    {
        if (predictedGpuHours > 0)
        {
            EstimatorGpuHoursError.WithLabels(gpuType).Observe((measuredGpuHours - predictedGpuHours) / predictedGpuHours);
        }

        if (predictedPeakMemoryGiB is > 0 && measuredPeakMemoryGiB is { } measured)
        {
            EstimatorMemoryError.WithLabels(gpuType).Observe((measured - predictedPeakMemoryGiB.Value) / predictedPeakMemoryGiB.Value);
        }
    }

    /// <summary>
    /// Once per attempt that let its GPUs go: its GPU-seconds under its queue, team ("" for none) and GPU type, and under
    /// its submitter ("" before identity). Queues and teams are made by admins; users are bounded by <see cref="MaxUserSeries"/>.
    /// </summary>
    public void RecordGpuSeconds(string queue, string? team, string? user, string gpuType, double gpuSeconds)
    {
        if (gpuSeconds <= 0)
        {
            return;
        }

        GpuSeconds.WithLabels(queue, team ?? "", gpuType).Inc(gpuSeconds);
        string label;
        lock (_users)
        {
            label = user ?? "";
            if (!_users.Contains(label))
            {
                label = _users.Count < MaxUserSeries && _users.Add(label) ? label : OtherUsers;
            }
        }

        UserGpuSeconds.WithLabels(label).Inc(gpuSeconds);
    }
}
