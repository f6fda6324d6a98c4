using k8s;
using k8s.Models;
using Scheduler.Domain.Workloads;
using Scheduler.Simulation.ApiServer;
using Scheduler.Simulation.Cluster;
using Scheduler.Simulation.Cluster.Processes;

namespace Scheduler.Simulation.Tests.Cluster.Processes;

/// <summary>
/// The kubelet's process runtime with <c>/bin/sh</c> standing in for the trainer (the real trainer runs in the control
/// plane's end-to-end test, tests/Scheduler.Api.Tests/Hosting/ProcessRuntimeTests.cs): what it gives a process and what it does to it.
/// </summary>
public sealed class ProcessPodRuntimeTests : IAsyncLifetime
{
    private const string Image = "registry.test/trainer:1";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly string _root = Directory.CreateTempSubdirectory("process-runtime-").FullName;
    private SimulatedCluster _cluster = null!;
    private IKubernetes _client = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Skip("The process runtime signals its processes (SIGTERM) and is tested on Linux");
        }

        _cluster = await SimulatedCluster.StartAsync(new SimulatedClusterOptions
        {
            NodePools = [new SimulatedNodePool("A100-80GB", 1)],
            TickInterval = TimeSpan.FromMilliseconds(50),
            ProcessRuntime = new ProcessRuntimeOptions { TrainerImage = Image, TrainerPath = "/bin/sh", DataRoot = _root },
            Server = new FakeApiServerOptions { Time = TimeProvider.System },
        }, Ct);
        _client = _cluster.CreateClient();
    }

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            _client.Dispose();
            await _cluster.DisposeAsync();
        }

        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task A_process_gets_the_pods_environment_with_loopback_rendezvous_and_a_checkpoint_directory_that_outlives_it()
    {
        await _client.CoreV1.CreateNamespacedPodAsync(Pod("rank-0", """
            echo "master=$MASTER_ADDR:$MASTER_PORT rank=$RANK device=$SCHEDULER_DEVICE"
            cat "$SCHEDULER_SPEC"; echo
            echo saved > "$SCHEDULER_CHECKPOINT_DIR/step-1"
            echo "failing on purpose" >&2
            exit 3
            """), "default", cancellationToken: Ct);

        var pod = await WaitForPodAsync("rank-0", p => p.Status?.Phase == "Failed");

        var terminated = pod.Status.ContainerStatuses[0].State.Terminated;
        Assert.Equal(3, terminated.ExitCode);
        Assert.Contains("failing on purpose", terminated.Message);
        var log = _cluster.Kubelet.Logs!.Read("default", "rank-0")!;
        Assert.Matches(@"master=127\.0\.0\.1:\d+ rank=0 device=cpu", log);
        Assert.Contains("{\"name\":\"spec-of-rank-0\"}", log);
        await _client.CoreV1.DeleteNamespacedPodAsync("rank-0", "default", cancellationToken: Ct);
        await WaitForGoneAsync("rank-0");
        Assert.Equal("saved", File.ReadAllText(Path.Combine(_root, "checkpoints", "default", "job-1", "step-1")).Trim());
        Assert.Contains("failing on purpose", File.ReadAllText(Path.Combine(_root, "pods", "default", "rank-0", "container.log")));
    }

    [Fact]
    public async Task Deletion_sends_sigterm_then_sigkill_when_the_grace_period_is_over()
    {
        // Ignores SIGTERM, as a trainer stuck in a step would.
        await _client.CoreV1.CreateNamespacedPodAsync(Pod("stubborn", """
            trap 'echo got SIGTERM' TERM
            echo started
            while true; do sleep 0.1; done
            """), "default", cancellationToken: Ct);
        await WaitForPodAsync("stubborn", p => p.Status?.Phase == "Running");
        await WaitUntilAsync(() => _cluster.Kubelet.Logs!.Read("default", "stubborn")?.Contains("started", StringComparison.Ordinal) == true);

        await _client.CoreV1.DeleteNamespacedPodAsync("stubborn", "default", gracePeriodSeconds: 2, cancellationToken: Ct);
        await WaitForGoneAsync("stubborn");
        // The API server removes the pod when its grace period ends; the kubelet's kill lands beside that, not before it.
        await WaitUntilAsync(() => _cluster.Kubelet.Logs!.Read("default", "stubborn")?.Contains("grace period over: SIGKILL", StringComparison.Ordinal) == true);

        var log = _cluster.Kubelet.Logs!.Read("default", "stubborn")!;
        Assert.Contains("got SIGTERM", log);
        Assert.Contains("grace period over: SIGKILL", log);
    }

    [Fact]
    public async Task Pods_of_other_images_stay_simulated()
    {
        var pod = Pod("user-image", "exit 0");
        pod.Spec.Containers[0].Image = "registry.test/someone-elses:1";
        pod.Metadata.Annotations = new Dictionary<string, string> { [SimulatedPodAnnotations.Runtime] = "0" };
        await _client.CoreV1.CreateNamespacedPodAsync(pod, "default", cancellationToken: Ct);

        var ended = await WaitForPodAsync("user-image", p => p.Status?.Phase == "Succeeded");

        Assert.Equal("simulated", ended.Status.ContainerStatuses[0].ImageID);
        Assert.Null(_cluster.Kubelet.Logs!.Read("default", "user-image"));
    }

    private V1Pod Pod(string name, string script) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Annotations = new Dictionary<string, string> { ["gpu-scheduler.io/spec"] = $"{{\"name\":\"spec-of-{name}\"}}" } },
        Spec = new V1PodSpec
        {
            NodeName = _cluster.NodeNames[0],
            RestartPolicy = "Never",
            Containers =
            [
                new V1Container
                {
                    Name = "trainer",
                    Image = Image,
                    Args = ["-c", script],
                    Env =
                    [
                        new V1EnvVar { Name = TrainerEnvironment.JobId, Value = "job-1" },
                        new V1EnvVar { Name = TrainerEnvironment.Spec, Value = "/etc/gpu-scheduler/spec.json" },
                        new V1EnvVar { Name = TrainerEnvironment.CheckpointDir, Value = "/checkpoints" },
                        new V1EnvVar { Name = TrainerEnvironment.Rank, Value = "0" },
                        new V1EnvVar { Name = TrainerEnvironment.MasterAddr, Value = $"{name}.job.default.svc" },
                        new V1EnvVar { Name = TrainerEnvironment.MasterPort, Value = "29500" },
                    ],
                    VolumeMounts =
                    [
                        new V1VolumeMount { Name = "spec", MountPath = "/etc/gpu-scheduler", ReadOnlyProperty = true },
                        new V1VolumeMount { Name = "checkpoints", MountPath = "/checkpoints" },
                    ],
                },
            ],
            Volumes =
            [
                new V1Volume
                {
                    Name = "spec",
                    DownwardAPI = new V1DownwardAPIVolumeSource
                    {
                        Items = [new V1DownwardAPIVolumeFile { Path = "spec.json", FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.annotations['gpu-scheduler.io/spec']" } }],
                    },
                },
                new V1Volume { Name = "checkpoints", EmptyDir = new V1EmptyDirVolumeSource() },
            ],
        },
    };

    private async Task<V1Pod> WaitForPodAsync(string name, Func<V1Pod, bool> condition)
    {
        V1Pod? pod = null;
        await WaitUntilAsync(async () => condition(pod = await _client.CoreV1.ReadNamespacedPodAsync(name, "default", cancellationToken: Ct)),
            () => $"pod {name} is {pod?.Status?.Phase}; log: {_cluster.Kubelet.Logs!.Read("default", name)}");
        return pod!;
    }

    private Task WaitForGoneAsync(string name) =>
        WaitUntilAsync(async () => (await _client.CoreV1.ListNamespacedPodAsync("default", cancellationToken: Ct)).Items.All(p => p.Name() != name),
            () => $"pod {name} was not deleted; log: {_cluster.Kubelet.Logs!.Read("default", name)}");

    private static Task WaitUntilAsync(Func<bool> condition) => WaitUntilAsync(() => Task.FromResult(condition()), () => "the condition did not become true in time");

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, Func<string> because)
    {
        var deadline = DateTimeOffset.UtcNow + Patience;
        while (!await condition())
        {
            if (DateTimeOffset.UtcNow > deadline)
            {
                Assert.Fail(because());
            }

            await Task.Delay(50, Ct);
        }
    }
}
