using System.Globalization;
using System.Text.Json.Nodes;
using Scheduler.Domain.Specs;
using Scheduler.Domain.Workloads;

namespace Scheduler.Simulation.Cluster;

/// <summary>
/// The simulated trainer's numbers, coherent with the job's spec and its estimate: a pod runs the steps left from the job's
/// last checkpoint over its runtime (the operator's prediction of what is left), so tokens/s is the predicted throughput with
/// a few percent of step-to-step noise; steps and tokens follow the spec's global batch × sequence length; the loss falls
/// from ln(vocabulary) towards a floor. The job's last checkpoint step is remembered across its pods, so a resumed attempt
/// continues where the preempted one checkpointed. Pods without the spec annotation fall back to the
/// <see cref="SimulatedPodAnnotations"/> step annotations.
/// </summary>
internal sealed class SimulatedTrainingCurve
{
    /// <summary>The pod annotation holding the job's normalised spec (the operator's; mounted as the trainer's spec file).</summary>
    public const string SpecAnnotation = "gpu-scheduler.io/spec";

    /// <summary>Relative spread of the simulated step time around the prediction.</summary>
    public const double ThroughputNoise = 0.03;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, long> _checkpoints = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _starts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (long Total, long TokensPerStep, double InitialLoss, long? CheckpointInterval)> _shapes = new(StringComparer.Ordinal);

    /// <summary>
    /// The sample of <paramref name="pod"/> at <paramref name="fraction"/> (0–1) of its <paramref name="runtime"/> (simulated time):
    /// the total steps it belongs to and the body the bundled trainer would post.
    /// </summary>
    public (long TotalSteps, TelemetrySample Body) Sample(JsonObject pod, double fraction, TimeSpan runtime, DateTimeOffset now, bool checkpointNow)
    {
        var (total, tokensPerStep, initialLoss, checkpointInterval) = Shape(pod);
        var job = Env(pod, TrainerEnvironment.JobId) ?? pod["metadata"]?["uid"]?.GetValue<string>() ?? string.Empty;
        var interval = Math.Max(1, Long(pod, SimulatedPodAnnotations.CheckpointInterval) ?? checkpointInterval ?? JobSpecNormalizer.DefaultCheckpointInterval);
        var podId = pod["metadata"]?["uid"]?.GetValue<string>() ?? pod["metadata"]?["name"]?.GetValue<string>() ?? job;
        long startStep;
        lock (_gate)
        {
            // A pod starts from the job's checkpoint as it was when the pod first reported, and keeps that start.
            if (!_starts.TryGetValue(podId, out startStep))
            {
                startStep = Math.Clamp(Long(pod, SimulatedPodAnnotations.StartStep) ?? _checkpoints.GetValueOrDefault(job), 0, total);
                if (_starts.Count > 10_000)
                {
                    _starts.Clear();
                }

                _starts[podId] = startStep;
            }
        }

        var step = startStep + (long)Math.Floor((total - startStep) * Math.Clamp(fraction, 0, 1));
        var meanStepSeconds = runtime.TotalSeconds / Math.Max(1, total - startStep);
        var noise = Noise(job, step);
        var stepSeconds = Math.Max(1e-9, meanStepSeconds * (1 + (ThroughputNoise * noise)));
        var lastCheckpoint = checkpointNow ? step : step - (step % interval);
        lock (_gate)
        {
            _checkpoints[job] = Math.Max(lastCheckpoint, _checkpoints.GetValueOrDefault(job));
            if (_checkpoints.Count > 10_000)
            {
                _checkpoints.Clear(); // jobs long over; a running one re-learns its checkpoint from its next sample
            }
        }

        return (total, new TelemetrySample
        {
            Step = step,
            Tokens = step * tokensPerStep,
            Loss = Loss(initialLoss, step, total) * (1 + (0.01 * Noise(job + "/loss", step))),
            TokensPerSecond = tokensPerStep / stepSeconds,
            StepSeconds = stepSeconds,
            LastCheckpointStep = lastCheckpoint,
            Timestamp = now,
        });
    }

    /// <summary>From ln V at step 0 towards a third of it, fast at first (a power law in the steps, as language-model curves go).</summary>
    public static double Loss(double initialLoss, long step, long total)
    {
        var floor = initialLoss / 3;
        var progress = (double)step / Math.Max(1, total);
        return floor + ((initialLoss - floor) * Math.Pow(1 + (50 * progress), -0.5));
    }

    /// <summary>The job's steps, tokens per step, first loss and checkpoint interval, parsed once per spec (every sample asks).</summary>
    private (long Total, long TokensPerStep, double InitialLoss, long? CheckpointInterval) Shape(JsonObject pod)
    {
        var json = pod["metadata"]?["annotations"]?[SpecAnnotation]?.GetValue<string>();
        if (json is not null)
        {
            lock (_gate)
            {
                if (_shapes.TryGetValue(json, out var known))
                {
                    return known;
                }
            }

            if (JobSpecJson.Parse(json) is ({ } parsed, null))
            {
                try
                {
                    var spec = JobSpecNormalizer.Normalize(parsed);
                    var tokensPerStep = (long)spec.Training!.GlobalBatchSize!.Value * spec.Model!.SeqLength!.Value;
                    var total = spec.Training.Steps ?? (long)Math.Ceiling(spec.Training.Tokens!.Value / tokensPerStep);
                    var shape = (Math.Max(1, total), tokensPerStep, Math.Log(Math.Max(2, spec.Model.VocabSize ?? 50257)), parsed.Checkpoint?.IntervalSteps);
                    lock (_gate)
                    {
                        if (_shapes.Count > 1_000)
                        {
                            _shapes.Clear();
                        }

                        _shapes[json] = shape;
                    }

                    return shape;
                }
                catch (InvalidOperationException)
                {
                    // a spec the normaliser cannot complete: the fallback below
                }
            }
        }

        return (Math.Max(1, Long(pod, SimulatedPodAnnotations.TotalSteps) ?? 1000), 1 << 20, Math.Log(50257),
            json is not null && JobSpecJson.Parse(json) is ({ } unnormalised, null) ? unnormalised.Checkpoint?.IntervalSteps : null);
    }

    /// <summary>Deterministic noise in [-1, 1] for a job's step (the same sample twice reads the same).</summary>
    private static double Noise(string key, long step)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in key)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        hash = (hash ^ (ulong)step) * 1099511628211UL;
        hash ^= hash >> 29;
        return ((hash % 20001) / 10000.0) - 1;
    }

    private static long? Long(JsonObject pod, string annotation) =>
        long.TryParse(pod["metadata"]?["annotations"]?[annotation]?.GetValue<string>(), CultureInfo.InvariantCulture, out var value) ? value : null;

    private static string? Env(JsonObject pod, string name) =>
        (pod["spec"]?["containers"]?[0]?["env"] as JsonArray)?.OfType<JsonObject>()
            .FirstOrDefault(e => e["name"]?.GetValue<string>() == name)?["value"]?.GetValue<string>();
}
