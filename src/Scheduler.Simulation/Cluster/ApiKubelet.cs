using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Scheduler.Simulation.Cluster;

/// <summary>
/// The simulated kubelet as a separate actor that only makes API calls, as kwok does: it registers fake GPU nodes of its
/// own (labelled <see cref="KubeletLabel"/>=its name), keeps them alive (renews their Lease in <c>kube-node-lease</c> and
/// their Ready heartbeat so the node lifecycle controller does not taint them unreachable) and drives the pods bound to
/// them through the same lifecycle as the in-process <see cref="SimulatedKubelet"/> (<see cref="KubeletLifecycle"/>),
/// writing pod status through the status subresource. Works against the fake API server and a real cluster alike.
/// </summary>
public sealed class ApiKubelet : IAsyncDisposable
{
    public const string KubeletLabel = "gpu-scheduler.io/kubelet";
    public const string NodeLeaseNamespace = "kube-node-lease";

    private readonly IKubernetes _client;
    private readonly ApiKubeletOptions _options;
    private readonly KubeletLifecycle _lifecycle;
    private readonly List<string> _nodes = [];
    private readonly List<string> _registered = [];
    private readonly Dictionary<string, DateTimeOffset> _readySince = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;

    public ApiKubelet(IKubernetes client, ApiKubeletOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _client = client;
        _options = options;
        _lifecycle = new KubeletLifecycle(new ApiKubeletBackend(client, options.Name, options.Time), options.Lifecycle);
    }

    /// <summary>The nodes this kubelet registered, in order.</summary>
    public IReadOnlyList<string> NodeNames => _nodes;

    /// <summary>The last error of the background loop (it keeps going after one), for diagnostics.</summary>
    public Exception? LastError { get; private set; }

    /// <summary>Creates a Ready GPU node of this kubelet and its Lease.</summary>
    public async Task RegisterNodeAsync(string name, string gpuType, int gpus, string rack, CancellationToken cancellationToken = default)
    {
        var type = _options.Catalog.Find(gpuType) ?? throw new ArgumentException($"The GPU type '{gpuType}' is not in the catalog.", nameof(gpuType));
        var now = _options.Time.GetUtcNow();
        var node = SimulatedNodes.Build(name, type, gpus, rack, now, new Dictionary<string, string> { [KubeletLabel] = _options.Name });
        var created = await _client.CoreV1.CreateNodeAsync(KubernetesJson.Deserialize<V1Node>(node.ToJsonString()), cancellationToken: cancellationToken);
        _nodes.Add(name);
        _registered.Add(name);
        _readySince[name] = now;
        await EnsureNamespaceAsync(NodeLeaseNamespace, cancellationToken);
        await _client.CoordinationV1.CreateNamespacedLeaseAsync(new V1Lease
        {
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = NodeLeaseNamespace,
                // As a kubelet's: the garbage collector deletes the Lease with its node.
                OwnerReferences = [new V1OwnerReference { ApiVersion = "v1", Kind = "Node", Name = name, Uid = created.Metadata.Uid }],
            },
            Spec = new V1LeaseSpec { HolderIdentity = name, LeaseDurationSeconds = _options.LeaseDurationSeconds, RenewTime = now.UtcDateTime },
        }, NodeLeaseNamespace, cancellationToken: cancellationToken);
        // The whole status once more through its subresource, for API servers that drop a new node's status.
        await _client.CoreV1.PatchNodeStatusAsync(
            new V1Patch(new JsonObject { ["status"] = node["status"]!.DeepClone() }, V1Patch.PatchType.MergePatch), name, cancellationToken: cancellationToken);
    }

    /// <summary>Starts the background loop: a pass over the pods every tick, a heartbeat of every node every heartbeat interval.</summary>
    public void Start() => _loop = RunAsync(_stopping.Token);

    /// <summary>One pass over the pods on this kubelet's nodes.</summary>
    public Task TickAsync(CancellationToken cancellationToken = default) => _lifecycle.TickAsync(cancellationToken);

    /// <summary>Renews every node's Lease and Ready heartbeat.</summary>
    public async Task HeartbeatAsync(CancellationToken cancellationToken = default)
    {
        var now = _options.Time.GetUtcNow();
        foreach (var name in _nodes.ToList())
        {
            try
            {
                var renewal = new JsonObject { ["spec"] = new JsonObject { ["renewTime"] = MicroTime(now) } };
                await _client.CoordinationV1.PatchNamespacedLeaseAsync(new V1Patch(renewal, V1Patch.PatchType.MergePatch), name, NodeLeaseNamespace, cancellationToken: cancellationToken);
                await HeartbeatAsync(name, now, cancellationToken);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
                _nodes.Remove(name); // removed by someone else (a test removing the node): a real kubelet would re-register; this one lets it go
            }
        }
    }

    /// <summary>Deletes every node this kubelet registered and their Leases (also those of nodes someone else deleted).</summary>
    public async Task RemoveNodesAsync(CancellationToken cancellationToken = default)
    {
        foreach (var name in _registered)
        {
            await IgnoreNotFoundAsync(() => _client.CoreV1.DeleteNodeAsync(name, cancellationToken: cancellationToken));
            await IgnoreNotFoundAsync(() => _client.CoordinationV1.DeleteNamespacedLeaseAsync(name, NodeLeaseNamespace, cancellationToken: cancellationToken));
        }

        _nodes.Clear();
    }

    /// <summary>The Ready condition with a fresh heartbeat (a merge patch: our nodes carry no other condition).</summary>
    private Task HeartbeatAsync(string name, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var patch = new JsonObject
        {
            ["status"] = new JsonObject { ["conditions"] = new JsonArray(SimulatedNodes.ReadyCondition(now, _readySince.GetValueOrDefault(name, now))) },
        };
        return _client.CoreV1.PatchNodeStatusAsync(new V1Patch(patch, V1Patch.PatchType.MergePatch), name, cancellationToken: cancellationToken);
    }

    private static string MicroTime(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var nextHeartbeat = _options.Time.GetUtcNow() + _options.HeartbeatInterval;
        while (!cancellationToken.IsCancellationRequested)
        {
#pragma warning disable CA1031 // a failed pass (API server briefly away) must not end the kubelet; the next one retries
            try
            {
                await TickAsync(cancellationToken);
                if (_options.Time.GetUtcNow() >= nextHeartbeat)
                {
                    await HeartbeatAsync(cancellationToken);
                    nextHeartbeat = _options.Time.GetUtcNow() + _options.HeartbeatInterval;
                }

                await Task.Delay(_options.TickInterval, _options.Time, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LastError = e;
                await Task.Delay(_options.TickInterval, _options.Time, CancellationToken.None);
            }
#pragma warning restore CA1031
        }
    }

    private async Task EnsureNamespaceAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            await _client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } }, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
        }
    }

    /// <summary>Runs a deletion that may find the object already gone.</summary>
    internal static async Task IgnoreNotFoundAsync(Func<Task> delete)
    {
        try
        {
            await delete();
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _loop;
        _stopping.Dispose();
    }
}
