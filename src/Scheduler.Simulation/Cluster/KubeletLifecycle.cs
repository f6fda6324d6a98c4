using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using System.Xml;
using Scheduler.Domain.Workloads;
using Scheduler.Simulation.ApiServer;

namespace Scheduler.Simulation.Cluster;

/// <summary>
/// The lifecycle a kwok-like kubelet gives the pods bound to its nodes, over either backend (<see cref="IKubeletBackend"/>):
/// a pod goes Pending → Running after the startup time, then ends after its runtime (annotation
/// <see cref="SimulatedPodAnnotations.Runtime"/>), scaled by the clock speed, with its exit code (0: Succeeded). A pod being
/// deleted gracefully "checkpoints" and exits 75 within its grace period; the kubelet then confirms the deletion (grace 0),
/// as a real kubelet does. A pod whose GPUs do not fit beside the running ones on its node is rejected (Failed,
/// <c>OutOfnvidia.com/gpu</c>). Running rank-0 pods post synthetic telemetry. A pod may ask to go wrong
/// (<see cref="SimulatedPodAnnotations.Failure"/>, or an image under <c>.invalid</c>): it is OOMKilled or evicted at the end of
/// its runtime, or never starts, its container waiting on its image or its configuration, with the status a real kubelet writes.
/// </summary>
internal sealed class KubeletLifecycle(IKubeletBackend backend, SimulatedClusterOptions options, Processes.IPodRuntime? runtime = null)
{
    private readonly SimulatedClusterOptions _options = options;
    /// <summary>Periodic samples in flight at once: a tick over thousands of running pods must not wait on each post in turn.</summary>
    private const int ConcurrentReports = 16;

    /// <summary>Periodic samples one tick posts at most (the rest are due on the next tick): bounds how long a tick waits on them.</summary>
    private const int ReportsPerTick = 64;

    private readonly SemaphoreSlim _tickGate = new(1, 1);
    private readonly SemaphoreSlim _reportGate = new(ConcurrentReports, ConcurrentReports);
    private readonly Dictionary<string, DateTimeOffset> _lastTelemetry = new(StringComparer.Ordinal);
    private readonly SimulatedTrainingCurve _curve = new();
    private readonly List<Task> _reports = [];

    /// <summary>
    /// What a tick reads of each pod, parsed once per stored version of it: the in-process backend hands out the stored objects
    /// themselves, which are never changed (a write stores a new object), so a running pod costs a table lookup per tick
    /// instead of parsing its timestamps, annotations and environment again 4 times a second.
    /// </summary>
    private readonly ConditionalWeakTable<JsonObject, PodFacts> _facts = [];
    private readonly ConditionalWeakTable<JsonObject, PodFacts>.CreateValueCallback _newFacts = pod => new PodFacts(pod, options.DefaultRuntime);

    /// <summary>Moves every pod on the backend's nodes one step along its lifecycle, as of now. Safe to call concurrently (calls queue up).</summary>
    public async Task TickAsync(CancellationToken cancellationToken)
    {
        await _tickGate.WaitAsync(cancellationToken);
        try
        {
            var now = backend.Time.GetUtcNow();
            var nodes = (await backend.ListNodesAsync(cancellationToken))
                .ToDictionary(n => n["metadata"]!["name"]!.GetValue<string>(), StringComparer.Ordinal);
            var pods = (await backend.ListPodsAsync(nodes.Keys.ToHashSet(StringComparer.Ordinal), cancellationToken))
                .Where(p => Facts(p).NodeName is { } node && nodes.ContainsKey(node))
                .ToList();
            var admission = new GpuAdmission(pods, nodes, Facts);
            foreach (var pod in InAdmissionOrder(pods))
            {
                try
                {
                    if (admission.Admit(pod) is { } rejection)
                    {
                        await RejectAsync(pod, now, rejection, cancellationToken);
                        continue;
                    }

                    await StepAsync(pod, now, cancellationToken);
                }
                catch (Exception e) when (backend.IsConflictOrGone(e))
                {
                    // Someone else wrote the pod meanwhile (or deleted it): look again on the next tick.
                }
                catch (Exception e) when (e is InvalidOperationException or FormatException)
                {
                    // A pod this kubelet cannot read (a field of the wrong JSON kind) stays as it is; the others go on.
                }
            }
        }
        finally
        {
            try
            {
                // The tick's periodic samples are posted by the time it ends (failures are the sink's own, swallowed in PostAsync).
                await Task.WhenAll(_reports);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }
            finally
            {
                _reports.Clear();
                _tickGate.Release();
            }
        }
    }

    /// <summary>
    /// The pods in the order a tick steps them: the pods that wait for admission in admission order (creation time, then name), as
    /// <see cref="GpuAdmission"/> admits them, after every other pod. Only the waiting ones are sorted: with thousands of pods
    /// running, sorting them all every tick cost the tick a tenth of its time, and their order changes nothing.
    /// </summary>
    private List<JsonObject> InAdmissionOrder(IReadOnlyList<JsonObject> pods)
    {
        var ordered = new List<JsonObject>(pods.Count);
        var waiting = new List<(JsonObject Pod, (string Created, string Name) Order)>();
        foreach (var pod in pods)
        {
            if (Facts(pod) is { Phase: "Pending", Deleting: false } facts)
            {
                waiting.Add((pod, facts.AdmissionOrder));
            }
            else
            {
                ordered.Add(pod);
            }
        }

        waiting.Sort((a, b) => string.CompareOrdinal(a.Order.Created, b.Order.Created) is var byCreation and not 0
            ? byCreation
            : string.CompareOrdinal(a.Order.Name, b.Order.Name));
        ordered.AddRange(waiting.Select(w => w.Pod));
        return ordered;
    }

    private async Task StepAsync(JsonObject pod, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (runtime?.Runs(pod) == true)
        {
            await runtime.StepAsync(pod, backend, now, cancellationToken);
            return;
        }

        var facts = Facts(pod);
        var phase = facts.Phase;
        if (facts.Deleting)
        {
            var metadata = pod["metadata"]!.AsObject();
            var deletion = metadata["deletionTimestamp"]!.GetValue<string>();
            await TerminateAsync(pod, phase, ResourceOperations.ParseTimestamp(deletion), JsonPaths.Long(metadata["deletionGracePeriodSeconds"]) ?? 0, now, cancellationToken);
            return;
        }

        switch (phase)
        {
            case "Pending" when now >= facts.BoundAt + Real(_options.StartupTime):
                if (CannotStart(pod) is { } waiting)
                {
                    await WaitAsync(pod, waiting.Reason, waiting.Message, cancellationToken);
                }
                else
                {
                    await StartAsync(pod, now, cancellationToken);
                }

                break;
            case "Running":
                var started = facts.StartTime ?? throw new FormatException("a running pod without status.startTime");
                var runtime = facts.Runtime;
                if (now - started >= Real(runtime) && facts.Failure == SimulatedFailures.OomKilled)
                {
                    await FinishAsync(pod, now, 137, "OOMKilled", "the container exceeded its memory limit (simulated)", cancellationToken);
                }
                else if (now - started >= Real(runtime) && facts.Failure == SimulatedFailures.Evicted)
                {
                    await EvictAsync(pod, now, cancellationToken);
                }
                else if (now - started >= Real(runtime))
                {
                    var exitCode = int.TryParse(Annotation(pod, SimulatedPodAnnotations.ExitCode), CultureInfo.InvariantCulture, out var code) ? code : 0;
                    await FinishAsync(pod, now, exitCode, exitCode == 0 ? "Completed" : "Error", "the simulated training run ended", cancellationToken);
                }
                else
                {
                    await ReportAsync(pod, started, runtime, now, checkpointNow: false, cancellationToken);
                }

                break;
        }
    }

    private async Task TerminateAsync(JsonObject pod, string phase, DateTimeOffset deadline, long grace, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var (ns, name) = NameOf(pod);
        if (phase is "Running" or "Pending")
        {
            var sigterm = deadline - TimeSpan.FromSeconds(grace);
            var checkpointDone = sigterm + TimeSpan.FromTicks(Math.Min(Real(_options.CheckpointTime).Ticks, TimeSpan.FromSeconds(grace).Ticks));
            if (now < checkpointDone && now < deadline)
            {
                return;
            }

            if (phase == "Running")
            {
                var started = ResourceOperations.ParseTimestamp(pod["status"]!["startTime"]!.GetValue<string>());
                await ReportAsync(pod, started, RuntimeOf(pod), now, checkpointNow: true, cancellationToken);
            }

            await FinishAsync(pod, now, SimulatedPodAnnotations.CheckpointedExitCode, "Error", "SIGTERM: checkpoint committed, exiting for requeue", cancellationToken);
        }

        _lastTelemetry.Remove(Facts(pod).Key);
        await backend.DeleteAsync(ns, name, cancellationToken);
    }

    /// <summary>
    /// The kubelet's admission check: a pending pod whose GPU request does not fit beside the pods already admitted on its
    /// node is rejected, as a real kubelet rejects it (<c>OutOfnvidia.com/gpu</c>). It catches double placement. Asked of every
    /// pod in admission order; per node it adds up the running pods' GPUs once, then each pending pod it admits.
    /// </summary>
    private sealed class GpuAdmission
    {
        private readonly Dictionary<string, JsonObject> _nodes;
        private readonly Dictionary<string, long> _used = new(StringComparer.Ordinal);
        private readonly Dictionary<string, long> _capacity = new(StringComparer.Ordinal);
        private readonly Func<JsonObject, PodFacts> _facts;

        public GpuAdmission(IReadOnlyList<JsonObject> pods, Dictionary<string, JsonObject> nodes, Func<JsonObject, PodFacts> facts)
        {
            _nodes = nodes;
            _facts = facts;
            foreach (var pod in pods)
            {
                if (facts(pod) is { Phase: "Running", Deleting: false, NodeName: { } node } running)
                {
                    _used[node] = _used.GetValueOrDefault(node) + running.GpuRequest;
                }
            }
        }

        /// <summary>Null when the pod needs no check or fits (then it counts as admitted); else the rejection message.</summary>
        public string? Admit(JsonObject pod)
        {
            var facts = _facts(pod);
            if (facts.Phase != "Pending" || facts.Deleting || facts.GpuRequest == 0)
            {
                return null;
            }

            var nodeName = facts.NodeName!;
            if (!_capacity.TryGetValue(nodeName, out var capacity))
            {
                var node = _nodes.GetValueOrDefault(nodeName);
                capacity = long.TryParse(node?["status"]?["allocatable"]?[SimulatedCluster.GpuResource]?.ToString(), CultureInfo.InvariantCulture, out var c) ? c : 0;
                _capacity[nodeName] = capacity;
            }

            // Admitted before this one: running pods, and pending ones that reached the node first (creation time, then name).
            var used = _used.GetValueOrDefault(nodeName);
            var requested = facts.GpuRequest;
            if (used + requested > capacity)
            {
                return $"Pod was rejected: Node didn't have enough resource: {SimulatedCluster.GpuResource}, requested: {requested}, used: {used}, capacity: {capacity}";
            }

            _used[nodeName] = used + requested;
            return null;
        }
    }

    private Task RejectAsync(JsonObject pod, DateTimeOffset now, string message, CancellationToken cancellationToken)
    {
        var updated = (JsonObject)pod.DeepClone();
        var status = JsonPaths.Child(updated, "status");
        status["phase"] = "Failed";
        status["reason"] = "OutOf" + SimulatedCluster.GpuResource;
        status["message"] = message;
        status["startTime"] = ResourceOperations.Timestamp(now);
        return backend.WriteStatusAsync(updated, cancellationToken);
    }

    private PodFacts Facts(JsonObject pod) => _facts.GetValue(pod, _newFacts);

    /// <summary>
    /// The fields of one stored pod version a tick reads (see <see cref="_facts"/>), each parsed on first use, so a field of the
    /// wrong JSON kind throws where the tick reads it (and skips that pod), as it did when read from the pod directly.
    /// Only the tick reads them, one tick at a time.
    /// </summary>
    private sealed class PodFacts(JsonObject pod, TimeSpan defaultRuntime)
    {
        private (string, string)? _admissionOrder;
        private string? _phase;
        private bool? _deleting;
        private (string? Value, bool Read) _nodeName;
        private long? _gpuRequest;
        private DateTimeOffset? _startTime;
        private DateTimeOffset? _boundAt;
        private TimeSpan? _runtime;
        private (string? Value, bool Read) _failure;
        private (string? Value, bool Read) _rank;
        private string? _key;

        public (string Created, string Name) AdmissionOrder => _admissionOrder ??=
            (pod["metadata"]?["creationTimestamp"]?.GetValue<string>() ?? string.Empty, pod["metadata"]?["name"]?.GetValue<string>() ?? string.Empty);

        public string Phase => _phase ??= pod["status"]?["phase"]?.GetValue<string>() ?? "Pending";

        public bool Deleting => _deleting ??= pod["metadata"]?["deletionTimestamp"] is not null;

        public string? NodeName => _nodeName.Read ? _nodeName.Value : Once(ref _nodeName, pod["spec"]?["nodeName"]?.GetValue<string>());

        public long GpuRequest => _gpuRequest ??= KubeletLifecycle.GpuRequest(pod);

        public DateTimeOffset? StartTime => _startTime ??=
            pod["status"]?["startTime"]?.GetValue<string>() is { } started ? ResourceOperations.ParseTimestamp(started) : null;

        public TimeSpan Runtime => _runtime ??= RuntimeOf(pod, defaultRuntime);

        /// <summary>When the pod was bound (a pending pod's every tick asks, until its startup time has passed).</summary>
        public DateTimeOffset BoundAt => _boundAt ??= KubeletLifecycle.BoundAt(pod);

        public string? Failure => _failure.Read ? _failure.Value : Once(ref _failure, FailureOf(pod));

        public string? Rank => _rank.Read ? _rank.Value : Once(ref _rank, Env(pod, TrainerEnvironment.Rank));

        /// <summary>The pod's <see cref="TelemetryKey"/>.</summary>
        public string Key => _key ??= TelemetryKey(pod);

        /// <summary>Remembers a field read for the first time (the callers test <c>Read</c> first, so no closure is built per call).</summary>
        private static string? Once(ref (string? Value, bool Read) field, string? value)
        {
            field = (value, true);
            return value;
        }
    }

    private static long GpuRequest(JsonObject pod) => ((pod["spec"]?["containers"] as JsonArray) ?? [])
        .Sum(c => long.TryParse(
            // quantities arrive as strings ("8") from typed clients, as numbers from hand-written JSON
            (c?["resources"]?["limits"]?[SimulatedCluster.GpuResource] ?? c?["resources"]?["requests"]?[SimulatedCluster.GpuResource])?.ToString(),
            CultureInfo.InvariantCulture, out var gpus) ? gpus : 0);

    private Task StartAsync(JsonObject pod, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var updated = (JsonObject)pod.DeepClone();
        var status = JsonPaths.Child(updated, "status");
        var timestamp = ResourceOperations.Timestamp(now);
        status["phase"] = "Running";
        status["startTime"] = timestamp;
        status["hostIP"] = "10.0.0.1";
        status["hostIPs"] = new JsonArray(new JsonObject { ["ip"] = "10.0.0.1" });
        var podIp = PodIp(pod);
        status["podIP"] = podIp;
        status["podIPs"] = new JsonArray(new JsonObject { ["ip"] = podIp });
        status["containerStatuses"] = ContainerStatuses(pod, ready: true, new JsonObject { ["running"] = new JsonObject { ["startedAt"] = timestamp } });
        foreach (var condition in new[] { "Initialized", "ContainersReady", "Ready", "PodScheduled" })
        {
            ResourceOperations.SetCondition(status, condition, "True", now);
        }

        return backend.WriteStatusAsync(updated, cancellationToken);
    }

    private Task FinishAsync(JsonObject pod, DateTimeOffset now, int exitCode, string reason, string message, CancellationToken cancellationToken) =>
        backend.WriteStatusAsync(Finished(pod, now, exitCode, reason, message), cancellationToken);

    private static JsonObject Finished(JsonObject pod, DateTimeOffset now, int exitCode, string reason, string message)
    {
        var updated = (JsonObject)pod.DeepClone();
        var status = JsonPaths.Child(updated, "status");
        var timestamp = ResourceOperations.Timestamp(now);
        status["phase"] = exitCode == 0 ? "Succeeded" : "Failed";
        status["containerStatuses"] = ContainerStatuses(pod, ready: false, new JsonObject
        {
            ["terminated"] = new JsonObject
            {
                ["exitCode"] = exitCode,
                ["reason"] = reason,
                ["message"] = message,
                ["startedAt"] = pod["status"]?["startTime"]?.DeepClone() ?? timestamp,
                ["finishedAt"] = timestamp,
            },
        });
        ResourceOperations.SetCondition(status, "Ready", "False", now);
        ResourceOperations.SetCondition(status, "ContainersReady", "False", now);
        return updated;
    }

    /// <summary>As the kubelet evicts under node pressure: Failed, reason Evicted, the <c>DisruptionTarget</c> condition, exit 137.</summary>
    private async Task EvictAsync(JsonObject pod, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // One write: the operator must never see the pod Failed without the reason that makes it a disruption.
        var updated = Finished(pod, now, 137, "Error", "killed by the kubelet's eviction");
        var status = JsonPaths.Child(updated, "status");
        status["reason"] = "Evicted";
        status["message"] = "The node was low on resource: memory. (simulated)";
        ResourceOperations.SetCondition(status, "DisruptionTarget", "True", now);
        var condition = ((JsonArray)status["conditions"]!).OfType<JsonObject>().First(c => c["type"]?.GetValue<string>() == "DisruptionTarget");
        condition["reason"] = "TerminationByKubelet";
        condition["message"] = "The node was low on resource: memory.";
        await backend.WriteStatusAsync(updated, cancellationToken);
    }

    /// <summary>Why a pod's container cannot start (its failure hook, or an image that cannot resolve); null when it can.</summary>
    private static (string Reason, string Message)? CannotStart(JsonObject pod)
    {
        var image = pod["spec"]?["containers"]?[0]?["image"]?.GetValue<string>() ?? string.Empty;
        var host = image.Split('/')[0].Split(':')[0];
        if (FailureOf(pod) == SimulatedFailures.ErrImagePull || (image.Contains('/', StringComparison.Ordinal) && host.EndsWith(SimulatedPodAnnotations.UnpullableImageDomain, StringComparison.OrdinalIgnoreCase)))
        {
            return ("ErrImagePull", $"failed to pull and unpack image \"{image}\": failed to resolve reference \"{image}\": not found (simulated)");
        }

        return FailureOf(pod) == SimulatedFailures.CreateContainerConfigError
            ? ("CreateContainerConfigError", "secret \"training-credentials\" not found (simulated)")
            : null;
    }

    /// <summary>
    /// The container waits: the first pass writes <paramref name="reason"/>, later ones the kubelet's back-off
    /// (<c>ErrImagePull</c> becomes <c>ImagePullBackOff</c>); a status that already says so is left as it is.
    /// </summary>
    private async Task WaitAsync(JsonObject pod, string reason, string message, CancellationToken cancellationToken)
    {
        var current = pod["status"]?["containerStatuses"]?[0]?["state"]?["waiting"]?["reason"]?.GetValue<string>();
        var next = current is null ? reason : reason == "ErrImagePull" ? "ImagePullBackOff" : reason;
        if (current == next)
        {
            return;
        }

        var updated = (JsonObject)pod.DeepClone();
        var status = JsonPaths.Child(updated, "status");
        status["containerStatuses"] = ContainerStatuses(pod, ready: false, new JsonObject
        {
            ["waiting"] = new JsonObject
            {
                ["reason"] = next,
                ["message"] = next == "ImagePullBackOff" ? $"Back-off pulling image \"{pod["spec"]?["containers"]?[0]?["image"]}\"" : message,
            },
        });
        await backend.WriteStatusAsync(updated, cancellationToken);
    }

    private static string? FailureOf(JsonObject pod) => Annotation(pod, SimulatedPodAnnotations.Failure) ?? Env(pod, SimulatedPodAnnotations.FailureEnv);

    private async Task ReportAsync(JsonObject pod, DateTimeOffset started, TimeSpan runtime, DateTimeOffset now, bool checkpointNow, CancellationToken cancellationToken)
    {
        var facts = Facts(pod);
        if (_options.Telemetry is not { } sink || facts.Rank is { } rank && rank != "0")
        {
            return;
        }

        var key = facts.Key;
        if (!checkpointNow && _lastTelemetry.TryGetValue(key, out var last) && now - last < Real(_options.TelemetryInterval))
        {
            return;
        }

        if (!checkpointNow && _reports.Count >= ReportsPerTick)
        {
            return; // due, but this tick has posted its share: the next tick sends it, so a saturated receiver never holds pods up
        }

        _lastTelemetry[key] = now;
        var (ns, name) = NameOf(pod);
        var fraction = runtime <= TimeSpan.Zero ? 1 : Math.Clamp((now - started) / Real(runtime), 0, 1);
        var (total, body) = _curve.Sample(pod, fraction, runtime, now, checkpointNow);
        var sample = new SimulatedTelemetry(
            ns ?? "default", name, Env(pod, TrainerEnvironment.JobId), Env(pod, TrainerEnvironment.TelemetryUrl), total, body,
            Env(pod, TrainerEnvironment.TelemetryToken));
        if (checkpointNow)
        {
            await PostAsync(sink, sample, cancellationToken); // before the pod exits, as the trainer commits its checkpoint first
        }
        else
        {
            _reports.Add(PostAsync(sink, sample, cancellationToken));
        }
    }

    private async Task PostAsync(ISimulatedTelemetrySink sink, SimulatedTelemetry sample, CancellationToken cancellationToken)
    {
        await _reportGate.WaitAsync(cancellationToken);
#pragma warning disable CA1031 // the sink is the host's code: a failing sink must not stop the simulated kubelet
        try
        {
            await sink.ReportAsync(sample, cancellationToken);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            _reportGate.Release();
        }
#pragma warning restore CA1031
    }

    private TimeSpan Real(TimeSpan simulated)
    {
        var ticks = simulated.Ticks / Math.Max(_options.ClockSpeed, 1e-9);
        return ticks >= TimeSpan.MaxValue.Ticks ? TimeSpan.MaxValue : TimeSpan.FromTicks((long)ticks); // "forever" stays forever
    }

    private TimeSpan RuntimeOf(JsonObject pod) => RuntimeOf(pod, _options.DefaultRuntime);

    /// <summary>The pod's simulated runtime (annotation, then environment, then <paramref name="defaultRuntime"/>).</summary>
    internal static TimeSpan RuntimeOf(JsonObject pod, TimeSpan defaultRuntime)
    {
        var text = Annotation(pod, SimulatedPodAnnotations.Runtime) ?? Env(pod, SimulatedPodAnnotations.RuntimeEnv);
        if (text is null)
        {
            return defaultRuntime;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            return TimeSpan.FromSeconds(Math.Max(0, seconds));
        }

        try
        {
            return XmlConvert.ToTimeSpan(text);
        }
        catch (FormatException)
        {
            return defaultRuntime;
        }
    }

    private static DateTimeOffset BoundAt(JsonObject pod)
    {
        var created = ResourceOperations.ParseTimestamp(pod["metadata"]!["creationTimestamp"]!.GetValue<string>());
        var scheduled = (pod["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>()
            .FirstOrDefault(c => c["type"]?.GetValue<string>() == "PodScheduled")?["lastTransitionTime"]?.GetValue<string>();
        return scheduled is null ? created : new[] { created, ResourceOperations.ParseTimestamp(scheduled) }.Max();
    }

    private static JsonArray ContainerStatuses(JsonObject pod, bool ready, JsonObject state) => new([.. ((pod["spec"]?["containers"] as JsonArray) ?? [])
        .OfType<JsonObject>()
        .Select(c => (JsonNode)new JsonObject
        {
            ["name"] = c["name"]?.DeepClone(),
            ["image"] = c["image"]?.DeepClone() ?? "simulated",
            ["imageID"] = "simulated",
            ["containerID"] = "sim://" + c["name"],
            ["ready"] = ready,
            ["started"] = ready,
            ["restartCount"] = 0,
            ["state"] = state.DeepClone(),
        })]);

    private static string PodIp(JsonObject pod)
    {
        var hash = (uint)StringComparer.Ordinal.GetHashCode(pod["metadata"]!["uid"]?.GetValue<string>() ?? string.Empty);
        return $"10.{64 + (hash % 64)}.{(hash >> 8) % 256}.{1 + ((hash >> 16) % 254)}";
    }

    /// <summary>"namespace/name": the key of the pod's telemetry schedule, which outlives each version of the pod.</summary>
    private static string TelemetryKey(JsonObject pod)
    {
        var (ns, name) = NameOf(pod);
        return $"{ns}/{name}";
    }

    private static (string? Namespace, string Name) NameOf(JsonObject pod) =>
        (pod["metadata"]?["namespace"]?.GetValue<string>(), pod["metadata"]!["name"]!.GetValue<string>());

    internal static string? Annotation(JsonObject pod, string key) => pod["metadata"]?["annotations"]?[key]?.GetValue<string>();

    internal static long? LongAnnotation(JsonObject pod, string key) =>
        long.TryParse(Annotation(pod, key), CultureInfo.InvariantCulture, out var value) ? value : null;

    internal static string? Env(JsonObject pod, string name) =>
        (pod["spec"]?["containers"]?[0]?["env"] as JsonArray)?.OfType<JsonObject>()
            .FirstOrDefault(e => e["name"]?.GetValue<string>() == name)?["value"]?.GetValue<string>();
}
