using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Scheduler.Domain.Workloads;

namespace Scheduler.Simulation.Cluster.Processes;

/// <summary>
/// What a pod becomes on this machine: its volumes as directories under <see cref="ProcessRuntimeOptions.DataRoot"/>
/// (downward-API files written, persistent claims and the checkpoint volume kept across pods), its environment with
/// mount paths rewritten to those directories and the rendezvous resolved to loopback, and the trainer's arguments.
/// </summary>
internal sealed partial record PodProcessPlan(string WorkingDirectory, IReadOnlyDictionary<string, string> Environment, IReadOnlyList<string> Arguments)
{
    /// <summary>
    /// Reads the pod and creates its directories and files. The checkpoint volume (the mount <c>SCHEDULER_CHECKPOINT_DIR</c>
    /// names) maps to <c>checkpoints/&lt;ns&gt;/&lt;claim or job id&gt;</c> even when the pod asks for an emptyDir: on a real
    /// cluster that dies with the pod, but here it stands for the job's checkpoint storage, so a requeued attempt resumes.
    /// <paramref name="masterPort"/> gives the loopback port of a rendezvous address (one per job attempt).
    /// </summary>
    public static PodProcessPlan Prepare(JsonObject pod, ProcessRuntimeOptions options, Func<string, int> masterPort)
    {
        var metadata = pod["metadata"]!.AsObject();
        var ns = metadata["namespace"]?.GetValue<string>() ?? "default";
        var name = metadata["name"]!.GetValue<string>();
        var container = pod["spec"]!["containers"]![0]!.AsObject();
        var podDirectory = Path.Combine(options.DataRoot, "pods", Safe(ns), Safe(name));
        if (Directory.Exists(podDirectory))
        {
            Directory.Delete(podDirectory, recursive: true); // a pod name is used once; leftovers are an earlier run's
        }

        Directory.CreateDirectory(podDirectory);
        var env = (container["env"] as JsonArray ?? []).OfType<JsonObject>()
            .Select(e => (Name: e["name"]?.GetValue<string>(), Value: e["value"]?.GetValue<string>() ?? FieldValue(pod, e["valueFrom"]?["fieldRef"]?["fieldPath"]?.GetValue<string>())))
            .Where(e => e.Name is not null && e.Value is not null)
            .GroupBy(e => e.Name!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Last().Value!, StringComparer.Ordinal);
        var checkpointMount = env.GetValueOrDefault(TrainerEnvironment.CheckpointDir);
        var jobId = env.GetValueOrDefault(TrainerEnvironment.JobId) ?? metadata["uid"]?.GetValue<string>() ?? name;

        var volumes = (pod["spec"]!["volumes"] as JsonArray ?? []).OfType<JsonObject>()
            .ToDictionary(v => v["name"]!.GetValue<string>(), StringComparer.Ordinal);
        var mounts = new List<(string MountPath, string Local)>();
        foreach (var mount in (container["volumeMounts"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var volumeName = mount["name"]!.GetValue<string>();
            var mountPath = mount["mountPath"]!.GetValue<string>().TrimEnd('/');
            var volume = volumes.GetValueOrDefault(volumeName);
            var claim = volume?["persistentVolumeClaim"]?["claimName"]?.GetValue<string>();
            var local = claim is not null && mountPath == checkpointMount?.TrimEnd('/') ? Path.Combine(options.DataRoot, "checkpoints", Safe(ns), Safe(claim))
                : claim is not null ? Path.Combine(options.DataRoot, "volumes", Safe(ns), Safe(claim))
                : mountPath == checkpointMount?.TrimEnd('/') ? Path.Combine(options.DataRoot, "checkpoints", Safe(ns), Safe(jobId))
                : Path.Combine(podDirectory, Safe(volumeName));
            Directory.CreateDirectory(local);
            foreach (var item in (volume?["downwardAPI"]?["items"] as JsonArray ?? []).OfType<JsonObject>())
            {
                var value = FieldValue(pod, item["fieldRef"]?["fieldPath"]?.GetValue<string>());
                var relative = item["path"]?.GetValue<string>();
                if (value is not null && relative is not null && !relative.Contains("..", StringComparison.Ordinal))
                {
                    var file = Path.Combine(local, relative);
                    Directory.CreateDirectory(Path.GetDirectoryName(file)!);
                    File.WriteAllText(file, value);
                }
            }

            mounts.Add((mountPath, local));
        }

        // Longest mount first, so /data/shards maps through its own volume rather than /data's.
        mounts.Sort((a, b) => b.MountPath.Length.CompareTo(a.MountPath.Length));
        foreach (var key in env.Keys.ToList())
        {
            env[key] = MapPath(env[key], mounts);
        }

        // Every rank of a job attempt is a process on this machine: rank 0's address is loopback, on a port of the attempt's own.
        if (env.TryGetValue(TrainerEnvironment.MasterAddr, out var master))
        {
            env[TrainerEnvironment.MasterPort] = masterPort(master).ToString(CultureInfo.InvariantCulture);
            env[TrainerEnvironment.MasterAddr] = "127.0.0.1";
        }

        env["SCHEDULER_DEVICE"] = options.Device;
        env["HOSTNAME"] = name;
        env["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var arguments = new List<string>();
        if (options.TrainerPath.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            arguments.Add(options.TrainerPath);
        }

        arguments.AddRange((container["args"] as JsonArray ?? []).Select(a => MapPath(a?.GetValue<string>() ?? string.Empty, mounts)));
        return new PodProcessPlan(podDirectory, env, arguments);
    }

    /// <summary>The program to start: the dotnet host for a framework-dependent <c>.dll</c>, else the executable itself.</summary>
    public static string Program(ProcessRuntimeOptions options) =>
        options.TrainerPath.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)
            ? System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet"
            : options.TrainerPath;

    private static string MapPath(string value, List<(string MountPath, string Local)> mounts)
    {
        foreach (var (mountPath, local) in mounts)
        {
            if (value == mountPath)
            {
                return local;
            }

            if (value.StartsWith(mountPath + "/", StringComparison.Ordinal))
            {
                return Path.Combine(local, value[(mountPath.Length + 1)..]);
            }
        }

        return value;
    }

    /// <summary>The downward API's fields: <c>metadata.name</c>, <c>.namespace</c>, <c>.uid</c>, <c>.labels['k']</c>, <c>.annotations['k']</c>.</summary>
    private static string? FieldValue(JsonObject pod, string? fieldPath)
    {
        if (fieldPath is null)
        {
            return null;
        }

        var match = MapField().Match(fieldPath);
        if (match.Success)
        {
            return pod["metadata"]?[match.Groups[1].Value]?[match.Groups[2].Value]?.GetValue<string>();
        }

        return fieldPath switch
        {
            "metadata.name" => pod["metadata"]?["name"]?.GetValue<string>(),
            "metadata.namespace" => pod["metadata"]?["namespace"]?.GetValue<string>() ?? "default",
            "metadata.uid" => pod["metadata"]?["uid"]?.GetValue<string>(),
            "spec.nodeName" => pod["spec"]?["nodeName"]?.GetValue<string>(),
            _ => null,
        };
    }

    /// <summary>A name as one path segment (namespaces, pod and claim names are DNS labels already; this guards the rest).</summary>
    private static string Safe(string segment) => SafeSegment().Replace(segment, "_");

    [GeneratedRegex(@"^metadata\.(labels|annotations)\['([^']+)'\]$")]
    private static partial Regex MapField();

    [GeneratedRegex(@"[^A-Za-z0-9._-]|^\.+$")]
    private static partial Regex SafeSegment();
}
