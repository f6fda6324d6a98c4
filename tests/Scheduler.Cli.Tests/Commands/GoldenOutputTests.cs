using Scheduler.Application.Dashboard;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Queues;
using Scheduler.Testing.Builders;

namespace Scheduler.Cli.Tests.Commands;

/// <summary>
/// The tables and JSON of the read commands, byte for byte (Golden/*.txt): a fixed width and no colour when stdout is not
/// a terminal, a clock the test sets, ids numbered. One world, built once, so the listing commands see only it.
/// </summary>
public sealed class GoldenOutputTests(ControlPlane plane) : IClassFixture<ControlPlane>
{
    [Fact]
    public async Task Read_commands_print_the_documented_tables_and_json()
    {
        await plane.PutQueueAsync("research", new QueueSpec
        {
            Cohort = "ml",
            NominalQuota = new Dictionary<string, int> { ["A100-80GB"] = 8, ["H100-SXM"] = 4 },
            FairShareWeight = 2,
            GpuHourBudget = new GpuHourBudget { Period = BudgetPeriod.Week, GpuHours = 500, WhenExceeded = BudgetExceededAction.Reject },
        });
        await plane.PutQueueAsync("batch");
        using var cli = new CliRun();
        var running = await SubmitAsync(cli, JobSpecBuilder.AJob("pretrain").Gpus(4));
        var waiting = await SubmitAsync(cli, JobSpecBuilder.AJob("sweep-1"));
        await SubmitAsync(cli, JobSpecBuilder.AJob("eval").InQueue("batch"));
        await plane.MoveAsync(running, JobState.Admitted, JobState.Running);
        plane.Cluster.State = new ClusterSnapshot(
            [new ClusterNode("gpu-a", "A100-80GB", 8, Ready: true, Schedulable: true), new ClusterNode("gpu-b", "A100-80GB", 8, Ready: true, Schedulable: false),
             new ClusterNode("gpu-h", "H100-SXM", 4, Ready: false, Schedulable: true)],
            [new ClusterPod("pretrain-0", running, "gpu-a", [0, 1, 2, 3], 1000, "Running")]);

        Golden.Match("queue.txt", await OutputAsync(cli, "queue"));
        Golden.Match("queue-columns.txt", await OutputAsync(cli, "queue", "-q", "research", "-o", "name,state,position,submitted"));
        Golden.Match("queue.json", await OutputAsync(cli, "queue", "--json"));
        Golden.Match("nodes.txt", await OutputAsync(cli, "nodes"));
        Golden.Match("nodes.json", await OutputAsync(cli, "nodes", "--json"));
        Golden.Match("queues.txt", await OutputAsync(cli, "queues"));
        Golden.Match("queues.json", await OutputAsync(cli, "queues", "--json"));
        Golden.Match("show.txt", await OutputAsync(cli, "show", waiting.ToString()));
        // The frame's first line carries the wall clock of the CLI's machine.
        Golden.Match("top.txt", string.Join('\n', (await OutputAsync(cli, "top", "--once")).Split('\n').Skip(1)));
    }

    private async Task<Guid> SubmitAsync(CliRun cli, JobSpecBuilder spec)
    {
        // Distinct submission times give a stable order.
        plane.Clock.Advance(TimeSpan.FromMinutes(1));
        var file = cli.WriteFile(Guid.NewGuid().ToString("N") + ".json", spec.ToJson());
        var (code, stdout, stderr) = await cli.RunAsync(plane, "submit", file);
        Assert.True(code == 0, stderr);
        return Guid.Parse(stdout.Trim());
    }

    private async Task<string> OutputAsync(CliRun cli, params string[] args)
    {
        var (code, stdout, stderr) = await cli.RunAsync(plane, args);
        Assert.True(code == 0, stderr);
        Assert.DoesNotContain("\u001b[", stdout);
        return stdout;
    }
}
