using System.Globalization;
using System.Text.Json;
using Scheduler.Domain.Jobs;
using Scheduler.Testing.Builders;

namespace Scheduler.Cli.Tests.Commands;

/// <summary>
/// history and usage over the accounting endpoints, on a known set of jobs moved at controlled times (a preemption and
/// requeue, a failure, a cancellation before placement, a job running across midnight): the numbers must add up.
/// </summary>
public sealed class AccountingCommandTests(ControlPlane plane) : IClassFixture<ControlPlane>
{
    private static readonly DateTimeOffset Monday = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Usage_equals_the_sum_of_the_attempts_placed_time_times_gpus()
    {
        await plane.PutQueueAsync("acct");
        using var cli = new CliRun();
        var preempted = await SubmitAsync(cli, "preempted", 2, Monday.AddHours(9).AddMinutes(1));
        var failed = await SubmitAsync(cli, "failed", 1, Monday.AddHours(9).AddMinutes(2));
        var cancelled = await SubmitAsync(cli, "never-placed", 1, Monday.AddHours(9).AddMinutes(3));
        await MoveAtAsync(preempted, Monday.AddHours(9).AddMinutes(10), JobState.Admitted, JobState.Running);
        await MoveAtAsync(failed, Monday.AddHours(9).AddMinutes(20), JobState.Admitted, JobState.Running);
        await MoveAtAsync(preempted, Monday.AddHours(9).AddMinutes(40), JobState.Preempted);
        await MoveAtAsync(preempted, Monday.AddHours(9).AddMinutes(41), JobState.Queued);
        await MoveAtAsync(cancelled, Monday.AddHours(9).AddMinutes(45), JobState.Cancelled);
        await MoveAtAsync(failed, Monday.AddHours(9).AddMinutes(50), JobState.Failed);
        await MoveAtAsync(preempted, Monday.AddHours(10), JobState.Admitted, JobState.Running);
        await MoveAtAsync(preempted, Monday.AddHours(11), JobState.Succeeded);
        var overnight = await SubmitAsync(cli, "overnight", 4, Monday.AddHours(23));
        await MoveAtAsync(overnight, Monday.AddHours(23).AddMinutes(30), JobState.Admitted, JobState.Running);
        plane.Clock.SetUtcNow(Monday.AddDays(1).AddMinutes(30));

        var (code, json, stderr) = await cli.RunAsync(plane, "history", "-q", "acct", "-S", "2026-01-05", "-E", "2026-01-07", "--json");
        Assert.True(code == 0, stderr);
        var rows = JsonDocument.Parse(json).RootElement.GetProperty("items").EnumerateArray().ToDictionary(r => r.GetProperty("name").GetString()!);
        Assert.Equal(["failed", "never-placed", "overnight", "preempted"], rows.Keys.Order());
        // Attempts: preempted 09:10–09:41 and 10:00–11:00 on 2 GPUs; failed 09:20–09:50 on 1; overnight 23:30–00:30 (still running) on 4.
        Assert.Equal([31 * 60.0, 60 * 60.0], rows["preempted"].GetProperty("attempts").EnumerateArray().Select(a => a.GetProperty("seconds").GetDouble()));
        Assert.Equal(91 * 60 * 2, rows["preempted"].GetProperty("gpuSeconds").GetDouble(), 6);
        Assert.Equal(30 * 60, rows["failed"].GetProperty("gpuSeconds").GetDouble(), 6);
        Assert.Equal(0, rows["never-placed"].GetProperty("gpuSeconds").GetDouble());
        Assert.True(rows["overnight"].GetProperty("attempts")[0].GetProperty("open").GetBoolean());
        var attemptsTimesGpus = rows.Values.Sum(r => r.GetProperty("attempts").EnumerateArray().Sum(a => a.GetProperty("seconds").GetDouble()) * r.GetProperty("gpus").GetDouble()) / 3600;

        var (usageCode, usageJson, usageError) = await cli.RunAsync(plane, "usage", "--by", "queue", "--period", "day", "-S", "2026-01-05", "-E", "2026-01-07", "--json");
        Assert.True(usageCode == 0, usageError);
        var usage = JsonDocument.Parse(usageJson).RootElement.GetProperty("rows").EnumerateArray()
            .ToDictionary(r => r.GetProperty("periodStart").GetDateTimeOffset().UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), r => r.GetProperty("gpuHours").GetDouble());
        Assert.Equal((182 + 30 + 120) / 60.0, usage["2026-01-05"], 6);
        Assert.Equal(2.0, usage["2026-01-06"], 6);
        Assert.Equal(attemptsTimesGpus, usage.Values.Sum(), 6);

        var (_, csv, _) = await cli.RunAsync(plane, "usage", "--period", "week", "-S", "2026-01-05", "-E", "2026-01-07", "--csv");
        Assert.Equal(["queue,period_start,gpu_type,gpu_hours,jobs,predicted_gpu_hours,measured_gpu_hours"], csv.Split('\n').Take(1));
        Assert.StartsWith("acct,2026-01-05T00:00:00Z,A100-80GB,7.533333,3,", csv.Split('\n')[1]);
        var (_, table, _) = await cli.RunAsync(plane, "history", "-q", "acct", "-S", "2026-01-05", "-E", "2026-01-07", "-o", "name,state,elapsed,attempts,gpuhours");
        Golden.Match("history.txt", table);
        // sacct's --format is the same column list.
        var (_, sacct, _) = await cli.RunAsync(plane, "history", "-q", "acct", "-S", "2026-01-05", "-E", "2026-01-07", "--format", "name,state,elapsed,attempts,gpuhours");
        Assert.Equal(table, sacct);
    }

    [Theory]
    [InlineData("history", "-S", "yesterday", "from")]
    [InlineData("usage", "-E", "tomorrow", "to")]
    public async Task A_bad_filter_is_refused_naming_the_field(string command, string option, string value, string field)
    {
        using var cli = new CliRun();

        var (code, _, stderr) = await cli.RunAsync(plane, command, option, value);

        Assert.Equal(1, code);
        Assert.Contains($"{field}:", stderr);
    }

    [Theory]
    [InlineData("--by", "owner")]
    [InlineData("--period", "fortnight")]
    public async Task A_grouping_or_period_the_server_does_not_know_is_a_usage_error(string option, string value)
    {
        using var cli = new CliRun();

        var (code, _, stderr) = await cli.RunAsync(plane, "usage", option, value);

        Assert.Equal(2, code);
        Assert.Contains(value, stderr);
    }

    private async Task<Guid> SubmitAsync(CliRun cli, string name, int gpus, DateTimeOffset at)
    {
        plane.Clock.SetUtcNow(at);
        var (code, stdout, stderr) = await cli.RunAsync(plane, "submit", cli.WriteFile(name + ".json", JobSpecBuilder.AJob(name).InQueue("acct").Gpus(gpus).ToJson()));
        Assert.True(code == 0, stderr);
        return Guid.Parse(stdout.Trim());
    }

    private Task MoveAtAsync(Guid job, DateTimeOffset at, params JobState[] states) => MoveAtAsync(plane, job, at, states);

    /// <summary>Moves a job at a set time of the control plane's clock (which only goes forward: each class has its own plane).</summary>
    internal static async Task MoveAtAsync(ControlPlane plane, Guid job, DateTimeOffset at, params JobState[] states)
    {
        plane.Clock.SetUtcNow(at);
        await plane.MoveAsync(job, states);
    }
}

/// <summary>
/// Usage by user and team and history by user, on a control plane of its own: the other accounting tests set the clock to
/// times before this one's, and a clock only goes forward.
/// </summary>
public sealed class AccountingByOwnerCommandTests(ControlPlane plane) : IClassFixture<ControlPlane>
{
    private static readonly DateTimeOffset Monday = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Usage_by_user_and_team_and_history_by_user_name_who_ran_the_gpus()
    {
        var at = Monday.AddDays(14).AddHours(9);
        await plane.PutQueueAsync("acct-owned");
        await plane.PutTeamAsync("vision", "acct-owned");
        var grace = new Dictionary<string, string> { ["GPUSCHED_TOKEN"] = await plane.MemberTokenAsync("vision", "grace", Domain.Identity.TeamRole.Member) };
        using var cli = new CliRun();
        plane.Clock.SetUtcNow(at);
        var (code, stdout, stderr) = await cli.RunAsync(plane, grace, "submit", cli.WriteFile("owned.json", JobSpecBuilder.AJob("owned").InQueue("acct-owned").Gpus(2).ToJson()));
        Assert.True(code == 0, stderr);
        var job = Guid.Parse(stdout.Trim());
        await MoveAtAsync(job, at.AddMinutes(10), JobState.Admitted, JobState.Running);
        await MoveAtAsync(job, at.AddMinutes(40), JobState.Succeeded);
        var window = new[] { "-S", "2026-01-19", "-E", "2026-01-20" };

        var (userCode, byUser, userError) = await cli.RunAsync(plane, ["usage", "--by", "user", "-o", "group,gputype,gpuhours", .. window]);
        var (_, byTeamJson, _) = await cli.RunAsync(plane, ["usage", "--by", "team", "--json", .. window]);
        var (_, history, _) = await cli.RunAsync(plane, ["history", "-u", "grace", "-o", "name,user,team,gpuhours", .. window]);
        var (_, nobody, _) = await cli.RunAsync(plane, ["history", "-u", "nobody", "--json", .. window]);

        Assert.True(userCode == 0, userError);
        // 09:10 to 09:40 on 2 GPUs.
        Assert.Matches(@"grace\s+A100-80GB\s+1\.00", byUser);
        var teamRow = Assert.Single(JsonDocument.Parse(byTeamJson).RootElement.GetProperty("rows").EnumerateArray(), r => r.GetProperty("group").GetString() == "vision");
        Assert.Equal(1.0, teamRow.GetProperty("gpuHours").GetDouble(), 6);
        Assert.Matches(@"owned\s+grace\s+vision\s+1\.00", history);
        Assert.Empty(JsonDocument.Parse(nobody).RootElement.GetProperty("items").EnumerateArray());
    }

    private Task MoveAtAsync(Guid job, DateTimeOffset at, params JobState[] states) => AccountingCommandTests.MoveAtAsync(plane, job, at, states);
}
