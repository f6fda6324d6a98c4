using System.Diagnostics;
using System.Text.Json;
using Scheduler.Domain.Identity;

namespace Scheduler.Cli.Tests.Commands;

/// <summary><c>whoami</c> asks the server (GET /api/v1/me); <c>completion</c> completes through the parser's suggest directive.</summary>
public sealed class IdentityCommandTests(ControlPlane plane) : IClassFixture<ControlPlane>
{
    [Fact]
    public async Task Whoami_shows_the_user_and_team_roles_the_server_knows_for_the_token()
    {
        await plane.PutQueueAsync("whoami-q");
        await plane.PutTeamAsync("whoami-team", "whoami-q");
        var token = await plane.MemberTokenAsync("whoami-team", "ada", TeamRole.Member);
        using var cli = new CliRun();
        var env = new Dictionary<string, string> { ["GPUSCHED_TOKEN"] = token };

        var (code, table, stderr) = await cli.RunAsync(plane, env, "whoami");
        var (_, json, _) = await cli.RunAsync(plane, env, "whoami", "--json");

        Assert.True(code == 0, stderr);
        Assert.Contains("user:          ada", table);
        Assert.Contains("cluster admin: no", table);
        Assert.Contains("whoami-team (member)", table);
        var me = JsonDocument.Parse(json).RootElement;
        Assert.Equal("ada", me.GetProperty("user").GetString());
        Assert.False(me.GetProperty("clusterAdmin").GetBoolean());
        var team = Assert.Single(me.GetProperty("teams").EnumerateArray());
        Assert.Equal("whoami-team", team.GetProperty("team").GetString());
        Assert.Equal("GPUSCHED_TOKEN", me.GetProperty("tokenSource").GetString());
    }

    [Theory]
    [InlineData("gsk_not-a-real-token")]
    [InlineData("")]
    public async Task Whoami_with_a_bad_or_no_token_exits_1_with_the_servers_answer(string token)
    {
        using var cli = new CliRun();

        var (code, stdout, stderr) = await cli.RunAsync(plane, new Dictionary<string, string> { ["GPUSCHED_TOKEN"] = token }, "whoami");

        Assert.Equal(1, code);
        Assert.Empty(stdout);
        Assert.Contains("401", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public async Task Login_with_auth_oidc_against_a_server_that_offers_none_exits_1_and_stores_nothing()
    {
        using var cli = new CliRun();

        var (code, stdout, stderr) = await cli.RunAsync(plane, "login", "--server", plane.Url, "--auth", "oidc");

        Assert.Equal(1, code);
        Assert.Empty(stdout);
        Assert.Contains("offers no OIDC sign-in", stderr);
        Assert.False(File.Exists(Path.Combine(cli.Directory, "config", "config.json")));
    }

    [Theory]
    [InlineData("bash", "complete -o default -F _gpusched_complete gpusched")]
    [InlineData("zsh", "compdef _gpusched gpusched")]
    public async Task Completion_prints_a_script_that_asks_gpusched_for_suggestions(string shell, string registration)
    {
        using var cli = new CliRun();

        var (code, script, stderr) = await cli.RunAsync(plane, "completion", shell);

        Assert.True(code == 0, stderr);
        Assert.Contains(registration, script);
        Assert.Contains("gpusched \"[suggest:", script);
    }

    [Theory]
    [InlineData("gpusched que", "queue", "queues")]
    [InlineData("gpusched usage --by ", "queue", "team", "user")]
    [InlineData("gpusched history --st", "--starttime", "--state")]
    public async Task The_suggest_directive_completes_commands_options_and_their_values(string line, params string[] expected)
    {
        using var cli = new CliRun();

        var (code, stdout, stderr) = await cli.RunAsync(plane, $"[suggest:{line.Length}]", line);

        Assert.True(code == 0, stderr);
        var suggestions = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.All(expected, e => Assert.Contains(e, suggestions));
    }

    [Fact]
    public async Task Bash_completes_a_half_typed_command_through_the_built_program()
    {
        var directory = AppContext.BaseDirectory;
        if (!File.Exists(Path.Combine(directory, "gpusched")) || !File.Exists("/bin/bash"))
        {
            Assert.Skip("needs bash and the gpusched apphost built next to the tests");
        }

        using var cli = new CliRun();
        var script = cli.WriteFile("gpusched.bash", Scheduler.Cli.Commands.CompletionCommand.Bash);
        var start = new ProcessStartInfo("/bin/bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[]
        {
            "-c", "source \"$1\"; COMP_LINE='gpusched que'; COMP_POINT=12; COMP_WORDS=(gpusched que); COMP_CWORD=1; _gpusched_complete; printf '%s\\n' \"${COMPREPLY[@]}\"",
            "bash", script,
        })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["PATH"] = directory + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(deadline.Token);

        Assert.True(process.ExitCode == 0, stderr);
        Assert.Equal(["queue", "queues"], (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
    }
}
