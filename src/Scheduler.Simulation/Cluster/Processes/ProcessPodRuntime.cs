using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Scheduler.Domain.Workloads;
using Scheduler.Simulation.ApiServer;

namespace Scheduler.Simulation.Cluster.Processes;

/// <summary>
/// Runs pods of the bundled trainer image as real local processes of the built trainer (<see cref="ProcessRuntimeOptions"/>):
/// a bound pod starts at once with its environment and volumes (<see cref="PodProcessPlan"/>) and is Running; its exit
/// code ends it (0: Succeeded, else Failed with the end of its log); a deletion sends SIGTERM, then SIGKILL at the deletion
/// deadline (the grace period), and once the process is gone the pod is deleted, as a kubelet confirms a deletion.
/// stdout and stderr are kept per pod (<see cref="Logs"/>) and written to <c>container.log</c> in the pod's directory, which
/// stays after the pod. Real time: the simulated clock speed does not apply.
/// </summary>
internal sealed class ProcessPodRuntime(ProcessRuntimeOptions options) : IPodRuntime
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, PodProcess> _processes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _masterPorts = new(StringComparer.Ordinal);
    private readonly PodLogBuffer _logs = new(options.MaxLogLines, options.MaxLoggedPods);

    public IPodLogs Logs => _logs;

    public bool Runs(JsonObject pod)
    {
        var container = pod["spec"]?["containers"]?[0];
        return container?["image"]?.GetValue<string>() == options.TrainerImage && (container["command"] as JsonArray ?? []).Count == 0;
    }

    public async Task StepAsync(JsonObject pod, IKubeletBackend backend, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var metadata = pod["metadata"]!.AsObject();
        var uid = metadata["uid"]?.GetValue<string>() ?? metadata["name"]!.GetValue<string>();
        var ns = metadata["namespace"]?.GetValue<string>();
        var name = metadata["name"]!.GetValue<string>();
        var phase = pod["status"]?["phase"]?.GetValue<string>() ?? "Pending";
        PodProcess? process;
        lock (_gate)
        {
            process = _processes.GetValueOrDefault(uid);
        }

        if (metadata["deletionTimestamp"]?.GetValue<string>() is { } deletion)
        {
            await StopAsync(pod, uid, process, phase, ResourceOperations.ParseTimestamp(deletion), backend, now, cancellationToken);
            return;
        }

        switch (phase)
        {
            case "Pending" when process is null:
                await StartAsync(pod, uid, ns, name, backend, now, cancellationToken);
                break;
            case "Pending":
                // Started on an earlier tick whose status write lost a race: write it again.
                await backend.WriteStatusAsync(ProcessPodStatus.Running(pod, process.Started, now, process.Id), cancellationToken);
                break;
            case "Running" when process is null:
                // Running before this runtime existed (the control plane restarted): the process is gone with it.
                await backend.WriteStatusAsync(ProcessPodStatus.Terminated(pod, now, now, 137, "ContainerStatusUnknown", "the trainer process was lost (the simulated cluster restarted)"), cancellationToken);
                break;
            case "Running" when process.Exited:
                await process.DrainedAsync();
                await backend.WriteStatusAsync(Terminated(pod, process, now), cancellationToken);
                break;
        }
    }

    private async Task StartAsync(JsonObject pod, string uid, string? ns, string name, IKubeletBackend backend, DateTimeOffset now, CancellationToken cancellationToken)
    {
        PodProcessPlan plan;
        Process started;
        try
        {
            plan = PodProcessPlan.Prepare(pod, options, MasterPort);
            var info = new ProcessStartInfo(PodProcessPlan.Program(options))
            {
                WorkingDirectory = plan.WorkingDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in plan.Arguments)
            {
                info.ArgumentList.Add(argument);
            }

            foreach (var (key, value) in plan.Environment)
            {
                info.Environment[key] = value;
            }

            var file = new PodLogFile(Path.Combine(plan.WorkingDirectory, "container.log"));
            started = new Process { StartInfo = info, EnableRaisingEvents = true };
            started.OutputDataReceived += (_, e) => Append(ns, name, e.Data, file);
            started.ErrorDataReceived += (_, e) => Append(ns, name, e.Data, file);
            started.Start();
            started.BeginOutputReadLine();
            started.BeginErrorReadLine();
        }
        catch (Exception e) when (e is Win32Exception or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            _logs.Append(ns, name, $"kubelet: cannot start {options.TrainerPath}: {e.Message}");
            await backend.WriteStatusAsync(ProcessPodStatus.Terminated(pod, now, now, 128, "StartError", $"cannot start the trainer {options.TrainerPath}: {e.Message}"), cancellationToken);
            return;
        }

        var record = new PodProcess(started, now);
        lock (_gate)
        {
            _processes[uid] = record;
        }

        _logs.Append(ns, name, string.Create(CultureInfo.InvariantCulture, $"kubelet: started the trainer as process {started.Id} in {plan.WorkingDirectory}"));
        await backend.WriteStatusAsync(ProcessPodStatus.Running(pod, now, now, started.Id), cancellationToken);
    }

    private async Task StopAsync(JsonObject pod, string uid, PodProcess? process, string phase, DateTimeOffset deadline, IKubeletBackend backend, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var (ns, name) = (pod["metadata"]?["namespace"]?.GetValue<string>(), pod["metadata"]!["name"]!.GetValue<string>());
        if (process is not null && !process.Exited)
        {
            if (!process.Signalled)
            {
                process.Signalled = true;
                _logs.Append(ns, name, string.Create(CultureInfo.InvariantCulture, $"kubelet: deleting the pod: SIGTERM, SIGKILL at {deadline:O} if still running"));
                if (!PosixSignals.Terminate(process.Id))
                {
                    process.Kill();
                }

                // The API server removes the pod when its grace period ends, and no tick visits it after that: the SIGKILL
                // cannot wait for the next tick, or a trainer that ignores SIGTERM would outlive its pod.
                _ = KillAtDeadlineAsync(ns, name, process, deadline - now);
            }
            else if (now >= deadline && process.TryMarkKilled())
            {
                _logs.Append(ns, name, "kubelet: grace period over: SIGKILL");
                process.Kill();
            }

            return;
        }

        if (process is not null && phase is "Pending" or "Running")
        {
            await process.DrainedAsync();
            await backend.WriteStatusAsync(Terminated(pod, process, now), cancellationToken);
        }

        lock (_gate)
        {
            _processes.Remove(uid);
        }

        process?.Dispose();
        await backend.DeleteAsync(ns, name, cancellationToken);
    }

    private JsonObject Terminated(JsonObject pod, PodProcess process, DateTimeOffset now)
    {
        var code = process.ExitCode;
        var (ns, name) = (pod["metadata"]?["namespace"]?.GetValue<string>(), pod["metadata"]!["name"]!.GetValue<string>());
        var (reason, message) = code switch
        {
            TrainerExitCodes.Finished => ("Completed", "the trainer finished"),
            TrainerExitCodes.Checkpointed => ("Error", "SIGTERM: checkpoint committed, exiting for requeue"),
            137 => ("Error", "killed (SIGKILL)\n" + _logs.Tail(ns, name, 20)),
            _ => ("Error", _logs.Tail(ns, name, 20)),
        };
        return ProcessPodStatus.Terminated(pod, process.Started, now, code, reason, message);
    }

    private void Append(string? ns, string name, string? line, PodLogFile file)
    {
        if (line is not null)
        {
            _logs.Append(ns, name, line);
            file.Write(line);
        }
        else
        {
            file.EndOfStream();
        }
    }

    /// <summary>The pod's log on disk, closed once stdout and stderr have both ended.</summary>
    private sealed class PodLogFile(string path)
    {
        private readonly Lock _gate = new();
        private StreamWriter? _writer = new(path, append: true) { AutoFlush = true };
        private int _open = 2;

        public void Write(string line)
        {
            lock (_gate)
            {
                _writer?.WriteLine(line);
            }
        }

        public void EndOfStream()
        {
            lock (_gate)
            {
                if (--_open == 0)
                {
                    _writer?.Dispose();
                    _writer = null;
                }
            }
        }
    }

    /// <summary>One loopback port per rendezvous address (a job attempt's rank 0), free when first asked for.</summary>
    private int MasterPort(string address)
    {
        lock (_gate)
        {
            if (_masterPorts.TryGetValue(address, out var port))
            {
                return port;
            }

            if (_masterPorts.Count > 1024)
            {
                _masterPorts.Clear(); // attempts long over; a live attempt's ranks all started within moments of each other
            }

            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            _masterPorts[address] = port;
            return port;
        }
    }

    private async Task KillAtDeadlineAsync(string? ns, string name, PodProcess process, TimeSpan wait)
    {
        await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero).ConfigureAwait(false);
        if (!process.Exited && process.TryMarkKilled())
        {
            _logs.Append(ns, name, "kubelet: grace period over: SIGKILL");
            process.Kill();
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<PodProcess> processes;
        lock (_gate)
        {
            processes = [.. _processes.Values];
            _processes.Clear();
        }

        foreach (var process in processes)
        {
            process.Kill();
            await process.DrainedAsync();
            process.Dispose();
        }
    }

    /// <summary>A started trainer process and what the kubelet did to it.</summary>
    private sealed class PodProcess(Process process, DateTimeOffset started) : IDisposable
    {
        public DateTimeOffset Started { get; } = started;

        public int Id { get; } = process.Id;

        private int _killed;

        public bool Signalled { get; set; }

        public bool Exited
        {
            get
            {
                try
                {
                    return process.HasExited;
                }
                catch (InvalidOperationException)
                {
                    return true; // disposed by the tick that reported its exit
                }
            }
        }

        /// <summary>True for the first caller only: one SIGKILL (and one log line) per process, from the tick or the deadline.</summary>
        public bool TryMarkKilled() => Interlocked.Exchange(ref _killed, 1) == 0;

        /// <summary>128 + signal for a process a signal ended, as a container runtime reports it.</summary>
        public int ExitCode => process.ExitCode < 0 ? 128 - process.ExitCode : process.ExitCode;

        public void Kill()
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // exited meanwhile
            }
        }

        /// <summary>Waits (bounded) until the output streams are read to their end, so the log is complete.</summary>
        public async Task DrainedAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }

        public void Dispose() => process.Dispose();
    }
}
