using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using Mediator;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Scheduler.Api.Hosting;
using Scheduler.Application;
using Scheduler.Application.Jobs;
using Scheduler.Domain.Jobs;
using Scheduler.Simulation.Cluster.Processes;
using Scheduler.Testing.Postgres;

namespace Scheduler.Api.Tests.Hosting;

/// <summary>
/// The control plane as <c>make run SIM_RUNTIME=process</c> starts it, on a real Kestrel port (the trainer processes post
/// their telemetry to it): the simulated cluster with <see cref="Nodes"/> nodes of one A100 each, whose bundled-trainer pods
/// run the real trainer (copied next to the tests by the project reference) on the CPU, short cycles, its own database and data directory.
/// </summary>
public sealed partial class ProcessClusterHost : WebApplicationFactory<Program>, IAsyncLifetime
{
    /// <summary>Nodes of one A100 each: a two-GPU job is then two pods, two trainer processes in one ring.</summary>
    public const int Nodes = 2;

    /// <summary>Generous: CI runs every test project at once on 2 cores, and the trainers share them.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(180);

    private TestDatabase? _database;

    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("process-cluster-").FullName;

    public static string TrainerPath => Path.Combine(AppContext.BaseDirectory, "Scheduler.Trainer.dll");

    public async ValueTask InitializeAsync()
    {
        _database = await PostgresServer.CreateDatabaseAsync("process-cluster");
        UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        StartServer();
        await Services.MigrateDatabaseAsync();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseSetting("ConnectionStrings:Scheduler", _database!.ConnectionString);
        builder.UseSetting("Scheduler:DataDir", DataDirectory);
        builder.UseSetting("Scheduler:Kubernetes:Mode", "Simulated");
        builder.UseSetting("Scheduler:Kubernetes:Simulated:Nodes:A100-80GB", Nodes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Scheduler:Kubernetes:Simulated:GpusPerNode", "1");
        builder.UseSetting("Scheduler:Kubernetes:Simulated:Runtime", "Process");
        builder.UseSetting("Scheduler:Kubernetes:Simulated:TrainerPath", TrainerPath);
        builder.UseSetting("Scheduler:Intervals:SchedulingCycle", "00:00:00.2");
        builder.UseSetting("Scheduler:Kubernetes:LeaderElection:RetryPeriod", "00:00:00.2");
        // Only the unlikely stuck trainer waits this long; a tiny model's step is milliseconds.
        builder.UseSetting("Scheduler:Policy:PreemptionGracePeriodSeconds", "30");
    }

    public IKubernetes Kubernetes => Services.GetRequiredService<IKubernetes>();

    public IPodLogs Logs => Services.GetRequiredService<SimulatedClusterRuntime>().Cluster.Kubelet.Logs
        ?? throw new InvalidOperationException("The simulated cluster runs no process runtime.");

    public async Task<T> SendAsync<T>(ICommand<T> command)
    {
        await using var scope = Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ISender>().Send(command);
    }

    public async Task<T> SendAsync<T>(IQuery<T> query)
    {
        await using var scope = Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ISender>().Send(query);
    }

    public async Task<JobDetails> GetJobAsync(Guid id) => (await SendAsync(new GetJob(id))).Value!;

    public async Task<JobDetails> WaitForStateAsync(Guid id, JobState state)
    {
        JobDetails? job = null;
        await WaitUntilAsync(async () => (job = await GetJobAsync(id)).State == state,
            () => $"job {id} did not reach {state}; it is {job?.State} ({job?.Reason}, pending: {job?.PendingReason})");
        return job!;
    }

    /// <summary>The job's pods now (terminated ones included until they are deleted).</summary>
    public async Task<IReadOnlyList<V1Pod>> PodsOfAsync(Guid jobId) =>
        [.. (await Kubernetes.CoreV1.ListPodForAllNamespacesAsync(labelSelector: $"gpu-scheduler.io/job-id={jobId}")).Items];

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, Func<string> because)
    {
        var deadline = DateTimeOffset.UtcNow + Patience;
        while (!await condition())
        {
            if (DateTimeOffset.UtcNow > deadline)
            {
                Assert.Fail(because());
            }

            await Task.Delay(50);
        }
    }

    /// <summary>The <c>step=N loss=L</c> lines of a trainer's output: step → the loss as printed (round-trip precision).</summary>
    public static SortedDictionary<long, string> Losses(string? log)
    {
        var losses = new SortedDictionary<long, string>();
        foreach (Match match in StepLine().Matches(log ?? string.Empty))
        {
            Assert.True(losses.TryAdd(long.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), match.Groups[2].Value),
                $"step {match.Groups[1].Value} ran twice");
        }

        return losses;
    }

    /// <summary>Runs the trainer to the end on <paramref name="spec"/> alone (one rank, fresh checkpoints) and answers its output.</summary>
    public static async Task<string> RunTrainerAloneAsync(string spec, CancellationToken cancellationToken)
    {
        var checkpoints = Directory.CreateTempSubdirectory("reference-run-").FullName;
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { TrainerPath, "--spec", spec, "--checkpoint-dir", checkpoints, "--device", "cpu" })
        {
            info.ArgumentList.Add(argument);
        }

        using var trainer = Process.Start(info)!;
        try
        {
            var stderr = trainer.StandardError.ReadToEndAsync(cancellationToken);
            var output = await trainer.StandardOutput.ReadToEndAsync(cancellationToken);
            await trainer.WaitForExitAsync(cancellationToken);
            Assert.True(trainer.ExitCode == 0, $"the reference run exited {trainer.ExitCode}: {await stderr}");
            return output;
        }
        finally
        {
            if (!trainer.HasExited)
            {
                trainer.Kill(entireProcessTree: true);
            }

            Directory.Delete(checkpoints, recursive: true);
        }
    }

    /// <summary>Sends a signal by name (STOP, CONT) to a process, as <c>kill -s</c> does.</summary>
    public static async Task SignalAsync(int pid, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-s", signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [GeneratedRegex(@"^step=(\d+) loss=(\S+) ", RegexOptions.Multiline)]
    private static partial Regex StepLine();
}
