using System.Text.Json;
using Scheduler.Domain.Identity;
using Scheduler.Testing.Builders;

namespace Scheduler.Cli.Tests.Commands;

/// <summary><c>queue -u USER</c> (squeue -u) and <c>queue --start</c> (squeue --start).</summary>
public sealed class QueueCommandTests(ControlPlane plane) : IClassFixture<ControlPlane>
{
    private async Task<string> SubmitAsync(CliRun cli, string name, IReadOnlyDictionary<string, string>? environment = null)
    {
        var (code, stdout, stderr) = await cli.RunAsync(plane, environment, "submit", cli.WriteFile(name + ".json", JobSpecBuilder.AJob(name).InQueue("by-user").ToJson()));
        Assert.True(code == 0, stderr);
        return stdout.Trim();
    }

    [Fact]
    public async Task User_filter_lists_only_the_jobs_that_user_submitted()
    {
        await plane.PutQueueAsync("by-user");
        await plane.PutTeamAsync("by-user-team", "by-user");
        var grace = new Dictionary<string, string> { ["GPUSCHED_TOKEN"] = await plane.MemberTokenAsync("by-user-team", "grace", TeamRole.Member) };
        using var cli = new CliRun();
        var hers = await SubmitAsync(cli, "graces-job", grace);
        await SubmitAsync(cli, "admins-job");

        var (code, json, stderr) = await cli.RunAsync(plane, "queue", "-q", "by-user", "-u", "grace", "--json");

        Assert.True(code == 0, stderr);
        var listed = JsonDocument.Parse(json).RootElement.EnumerateArray().Select(e => e.GetProperty("id").GetString()).ToList();
        Assert.Equal([hers], listed);
    }

    [Fact]
    public async Task Start_shows_queued_jobs_with_position_reason_and_predicted_start()
    {
        await plane.PutQueueAsync("by-user");
        using var cli = new CliRun();
        var id = await SubmitAsync(cli, "waiting-start");

        var (code, table, stderr) = await cli.RunAsync(plane, "queue", "-q", "by-user", "--start");
        var (conflict, _, conflictError) = await cli.RunAsync(plane, "queue", "--start", "-s", "Running");

        Assert.True(code == 0, stderr);
        var header = table.Split('\n')[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["ID", "NAME", "QUEUE", "POSITION", "REASON", "START"], header);
        Assert.Contains(id, table);
        Assert.Equal(2, conflict);
        Assert.Contains("--start", conflictError);
    }
}
