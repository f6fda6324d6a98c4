using System.Globalization;
using System.Text.Json.Nodes;
using Scheduler.Domain.Workloads;
using Scheduler.Simulation.ApiServer;

namespace Scheduler.Simulation.Cluster;

/// <summary>
/// The log the simulated trainer of a pod has written by a given time, derived from the pod alone (its start, runtime and
/// step annotations, its end), so the same pod and time always give the same lines and later times only add lines: a
/// start line, a progress line every telemetry interval (at most <see cref="MaxProgressLines"/> over the runtime), and the
/// exit line once the container ended. What <see cref="KubeletLifecycle"/> reports as telemetry, it writes as log lines.
/// </summary>
internal sealed class SimulatedTrainerLog(SimulatedClusterOptions options) : IPodLogSource
{
    public const int MaxProgressLines = 500;

    public IReadOnlyList<PodLogLine> Lines(JsonObject pod, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(pod);
        if (pod["status"]?["startTime"]?.GetValue<string>() is not { } startText)
        {
            return [];
        }

        var started = ResourceOperations.ParseTimestamp(startText);
        var terminated = pod["status"]?["containerStatuses"]?[0]?["state"]?["terminated"];
        var end = terminated?["finishedAt"]?.GetValue<string>() is { } finished ? ResourceOperations.ParseTimestamp(finished) : now;
        var total = Math.Max(1, KubeletLifecycle.LongAnnotation(pod, SimulatedPodAnnotations.TotalSteps) ?? 1000);
        var startStep = Math.Clamp(KubeletLifecycle.LongAnnotation(pod, SimulatedPodAnnotations.StartStep) ?? 0, 0, total);
        var runtime = Real(KubeletLifecycle.RuntimeOf(pod, options.DefaultRuntime));
        var interval = Real(options.TelemetryInterval);
        if (runtime < TimeSpan.FromDays(3650))
        {
            interval = TimeSpan.FromTicks(Math.Max(interval.Ticks, runtime.Ticks / MaxProgressLines));
        }

        interval = TimeSpan.FromTicks(Math.Max(interval.Ticks, TimeSpan.FromMilliseconds(10).Ticks));
        var rank = KubeletLifecycle.Env(pod, TrainerEnvironment.Rank) ?? "0";
        var world = KubeletLifecycle.Env(pod, TrainerEnvironment.WorldSize) ?? "1";
        var lines = new List<PodLogLine>
        {
            new(started, string.Create(CultureInfo.InvariantCulture,
                $"trainer: job {KubeletLifecycle.Env(pod, TrainerEnvironment.JobId) ?? "-"} rank {rank} of {world} on {pod["spec"]?["nodeName"]}; steps {startStep} → {total} (simulated)")),
        };
        for (var at = started + interval; at <= end; at += interval)
        {
            var fraction = runtime <= TimeSpan.Zero ? 1 : Math.Clamp((at - started) / runtime, 0, 1);
            var step = startStep + (long)((total - startStep) * fraction);
            var loss = 2 + (8 * Math.Exp(-3.0 * step / total));
            lines.Add(new(at, string.Create(CultureInfo.InvariantCulture, $"step {step}/{total} loss {loss:F4}")));
        }

        if (terminated is not null)
        {
            lines.Add(new(end, string.Create(CultureInfo.InvariantCulture,
                $"trainer exited with code {terminated["exitCode"]} ({terminated["reason"]}): {terminated["message"]}")));
        }

        return lines;
    }

    private TimeSpan Real(TimeSpan simulated)
    {
        var ticks = simulated.Ticks / Math.Max(options.ClockSpeed, 1e-9);
        return ticks >= TimeSpan.MaxValue.Ticks ? TimeSpan.MaxValue : TimeSpan.FromTicks((long)ticks);
    }
}
