using System.Text.Json;
using Scheduler.Domain.Jobs;
using Scheduler.Testing.Builders;

namespace Scheduler.Cli.Tests.Commands;

/// <summary><c>gpusched hold|release|requeue|update</c> against the real control plane: what each prints, and a refused change's exit code.</summary>
public sealed class JobControlCommandTests(ControlPlane plane) : IClassFixture<ControlPlane>
{
    private static string Submittable(CliRun cli, string queue, string name) => cli.WriteFile(name + ".json", JobSpecBuilder.AJob(name).InQueue(queue).ToJson());

    [Fact]
    public async Task Hold_release_and_update_a_queued_job_then_requeueing_it_is_refused()
    {
        await plane.PutQueueAsync("cli-control");
        using var cli = new CliRun();
        var id = (await cli.RunAsync(plane, "submit", Submittable(cli, "cli-control", "controlled"))).Stdout.Trim();

        var (held, heldLine, _) = await cli.RunAsync(plane, "hold", id);
        var (released, releasedLine, _) = await cli.RunAsync(plane, "release", id);
        var (updated, json, _) = await cli.RunAsync(plane, "update", id, "--priority-class", "high", "--max-runtime", "PT6H", "--json");
        var (requeued, _, refusal) = await cli.RunAsync(plane, "requeue", id);
        var (empty, _, usage) = await cli.RunAsync(plane, "update", id);

        Assert.Equal(0, held);
        Assert.StartsWith($"{id} Queued Held (by user ", heldLine.Trim(), StringComparison.Ordinal);
        Assert.Equal(0, released);
        Assert.StartsWith($"{id} Queued released by user ", releasedLine.Trim(), StringComparison.Ordinal);
        Assert.Equal(0, updated);
        var job = JsonDocument.Parse(json).RootElement;
        Assert.Equal(("high", "PT6H"), (job.GetProperty("priorityClass").GetString(), job.GetProperty("spec").GetProperty("maxRuntime").GetString()));
        Assert.Equal(1, requeued);
        Assert.Contains("409", refusal);
        Assert.Equal(2, empty);
        Assert.Contains("--max-runtime", usage);
        Assert.Equal(JobState.Queued.ToString(), job.GetProperty("state").GetString());
    }

    [Fact]
    public async Task Submit_held_with_a_time_limit_then_hold_and_release_a_whole_array()
    {
        await plane.PutQueueAsync("cli-array-control");
        using var cli = new CliRun();
        var (submitted, id, stderr) = await cli.RunAsync(plane, "submit", Submittable(cli, "cli-array-control", "held-limited"), "--hold", "--time", "12h", "--json");
        var arrayId = (await cli.RunAsync(plane, "submit", Submittable(cli, "cli-array-control", "sweep"), "--array=0-4%2")).Stdout.Trim();

        var (held, heldLine, _) = await cli.RunAsync(plane, "hold", arrayId, "--array");
        var (again, againLine, _) = await cli.RunAsync(plane, "hold", arrayId, "--array");
        var (released, releasedLine, _) = await cli.RunAsync(plane, "release", arrayId, "--array");

        Assert.True(submitted == 0, stderr);
        var job = JsonDocument.Parse(id[id.IndexOf('{', StringComparison.Ordinal)..]).RootElement;
        Assert.Equal("PT12H", job.GetProperty("spec").GetProperty("maxRuntime").GetString());
        Assert.True(job.GetProperty("spec").GetProperty("hold").GetBoolean());
        Assert.StartsWith("Held (by user ", job.GetProperty("pendingReason").GetString(), StringComparison.Ordinal);
        Assert.Equal((0, $"{arrayId} held 5 of 5 tasks"), (held, heldLine.Trim()));
        Assert.Equal((0, $"{arrayId} held 0 of 5 tasks"), (again, againLine.Trim()));
        Assert.Equal((0, $"{arrayId} released 5 of 5 tasks"), (released, releasedLine.Trim()));
    }
}
