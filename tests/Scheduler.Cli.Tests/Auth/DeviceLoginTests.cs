using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Scheduler.Testing.Builders;

namespace Scheduler.Cli.Tests.Auth;

/// <summary>The control plane trusting <see cref="TestIdentityProvider"/> and offering its device flow to the CLI (Oidc:CliClientId).</summary>
public sealed class OidcControlPlane : ControlPlane
{
    public TestIdentityProvider Provider { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Scheduler:Auth:Oidc:Authority", Provider.Issuer)
            .UseSetting("Scheduler:Auth:Oidc:Audience", TestIdentityProvider.Audience)
            .UseSetting("Scheduler:Auth:Oidc:RequireHttpsMetadata", "false")
            .UseSetting("Scheduler:Auth:Oidc:CliClientId", TestIdentityProvider.ClientId)
            .UseSetting("Scheduler:Auth:Oidc:GroupTeams:ml-vision", "vision:Member");
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Provider.DisposeAsync();
    }
}

/// <summary>
/// <c>gpusched login</c> by the OAuth 2.0 device flow against a real control plane and a provider on a loopback port: the
/// user approves (or not) through the provider while login polls; the stored session is then used and refreshed.
/// </summary>
public sealed class DeviceLoginTests(OidcControlPlane plane) : IClassFixture<OidcControlPlane>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private TestIdentityProvider Idp => plane.Provider;

    /// <summary>No API token in the environment, so that login takes the device flow and later calls send the stored session.</summary>
    private static readonly Dictionary<string, string> NoToken = new() { ["GPUSCHED_TOKEN"] = string.Empty };

    private static string ConfigFile(CliRun cli) => Path.Combine(cli.Directory, "config", "config.json");

    /// <summary>Mode 0600, as the token login stores it (Windows has no such mode).</summary>
    private static void AssertOwnerOnly(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }

    private static JsonElement Stored(CliRun cli) => JsonDocument.Parse(File.ReadAllText(ConfigFile(cli))).RootElement.GetProperty("oidc");

    /// <summary>Runs login and plays the user: approves the code once the CLI has polled <paramref name="pollsFirst"/> times.</summary>
    private async Task<((int ExitCode, string Stdout, string Stderr) Result, DeviceGrant Grant)> LoginAsync(CliRun cli, GrantPlan plan, Action<DeviceGrant> user, int pollsFirst = 0)
    {
        Idp.Plan = plan;
        var before = Idp.Grants;
        var login = cli.RunAsync(plane, NoToken, "login", "--server", plane.Url);
        var grant = await Idp.WaitForGrantAsync(before, Ct);
        await Wait.UntilAsync(() => grant.Polls.Count >= pollsFirst || login.IsCompleted, $"{pollsFirst} polls of the token endpoint", Ct);
        user(grant);
        return (await login, grant);
    }

    [Fact]
    public async Task Login_by_device_flow_signs_in_as_the_providers_user_with_teams_from_the_groups_claim_and_submits()
    {
        await plane.PutQueueAsync("vision-q");
        await plane.PutTeamAsync("vision", "vision-q");
        using var cli = new CliRun();

        var ((code, stdout, stderr), grant) = await LoginAsync(cli, new GrantPlan(), g => g.Approve("ada", "ml-vision", "unrelated"));

        Assert.True(code == 0, stderr);
        Assert.Contains($"To sign in, open {Idp.Issuer}/device?user_code={grant.UserCode}", stderr);
        Assert.Contains($"or go to {Idp.Issuer}/device and enter the code {grant.UserCode}", stderr);
        Assert.Contains("as ada (vision (member))", stdout);
        Assert.Equal("openid profile offline_access", grant.Scope);
        AssertOwnerOnly(ConfigFile(cli));
        var stored = Stored(cli);
        Assert.Equal(Idp.Issuer, stored.GetProperty("authority").GetString());
        Assert.False(string.IsNullOrEmpty(stored.GetProperty("refreshToken").GetString()));
        Assert.True(stored.GetProperty("expiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(5));

        var (whoCode, who, whoErr) = await cli.RunAsync(plane, NoToken, "whoami");
        Assert.True(whoCode == 0, whoErr);
        Assert.Contains("user:          ada", who);
        Assert.Contains("teams:         vision (member)", who);
        Assert.Contains($"token:         from OIDC sign-in at {Idp.Issuer}", who);

        var spec = cli.WriteFile("oidc-job.json", JobSpecBuilder.AJob("oidc-job").InQueue("vision-q").ToJson());
        var (submitCode, id, submitErr) = await cli.RunAsync(plane, NoToken, "submit", spec);
        Assert.True(submitCode == 0, submitErr);
        Assert.True(Guid.TryParse(id.Trim(), out _), id);
        Assert.Equal("ada", (await plane.FindJobAsync("vision-q", "oidc-job"))!.SubmittedBy);
    }

    [Fact]
    public async Task Login_keeps_polling_while_authorization_is_pending_at_the_announced_interval()
    {
        using var cli = new CliRun();

        var ((code, _, stderr), grant) = await LoginAsync(cli, new GrantPlan(IntervalSeconds: 1), g => g.Approve("pending-user"), pollsFirst: 2);

        Assert.True(code == 0, stderr);
        var polls = grant.Polls;
        Assert.True(polls.Count >= 3, $"{polls.Count} polls");
        // At most one poll per interval (1 s); the tolerance is for the requests' own transit, not for the CLI.
        Assert.All(polls.Zip(polls.Skip(1)), p => Assert.True(p.Second - p.First >= TimeSpan.FromSeconds(0.9), $"{(p.Second - p.First).TotalSeconds} s between polls"));
    }

    [Fact]
    public async Task Slow_down_adds_five_seconds_to_the_polling_interval()
    {
        using var cli = new CliRun();

        var ((code, _, stderr), grant) = await LoginAsync(cli, new GrantPlan(IntervalSeconds: 1, SlowDowns: 1), g => g.Approve("slow-user"));

        Assert.True(code == 0, stderr);
        var polls = grant.Polls;
        Assert.Equal(2, polls.Count);
        Assert.True(polls[1] - polls[0] >= TimeSpan.FromSeconds(5.9), $"{(polls[1] - polls[0]).TotalSeconds} s after slow_down");
    }

    [Theory]
    [InlineData("denied", "the sign-in was denied at")]
    [InlineData("expired", "expired before the sign-in was approved")]
    public async Task A_denied_or_expired_code_exits_1_with_a_clear_message_and_stores_nothing(string outcome, string message)
    {
        using var cli = new CliRun();

        var ((code, stdout, stderr), _) = await LoginAsync(cli, new GrantPlan(), g =>
        {
            if (outcome == "denied")
            {
                g.Deny();
            }
            else
            {
                g.Expire();
            }
        });

        Assert.Equal(1, code);
        Assert.Contains(message, stderr);
        Assert.DoesNotContain("   at ", stderr);
        Assert.DoesNotContain("Logged in", stdout);
        Assert.False(File.Exists(ConfigFile(cli)));
    }

    [Fact]
    public async Task An_expired_access_token_is_refreshed_before_the_call_and_the_new_one_is_stored()
    {
        using var cli = new CliRun();
        var ((code, _, stderr), _) = await LoginAsync(cli, new GrantPlan(), g => g.Approve("refresh-user"));
        Assert.True(code == 0, stderr);
        var first = Stored(cli);
        var refreshes = Idp.Refreshed.Count;

        // An hour on, by the CLI's clock: past the stored expiry (600 s).
        cli.Clock = new ShiftedClock(TimeSpan.FromHours(1));
        var (whoCode, who, whoErr) = await cli.RunAsync(plane, NoToken, "whoami");

        Assert.True(whoCode == 0, whoErr);
        Assert.Contains("user:          refresh-user", who);
        Assert.Equal(refreshes + 1, Idp.Refreshed.Count);
        Assert.Equal(first.GetProperty("refreshToken").GetString(), Idp.Refreshed.Last());
        var second = Stored(cli);
        Assert.NotEqual(first.GetProperty("accessToken").GetString(), second.GetProperty("accessToken").GetString());
        Assert.True(second.GetProperty("expiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(65));
        AssertOwnerOnly(ConfigFile(cli));

        // The stored token is now good for the shifted clock: no second refresh.
        var (againCode, _, againErr) = await cli.RunAsync(plane, NoToken, "whoami");
        Assert.True(againCode == 0, againErr);
        Assert.Equal(refreshes + 1, Idp.Refreshed.Count);
    }

    [Fact]
    public async Task A_refresh_the_provider_refuses_exits_1_asking_for_a_new_login()
    {
        using var cli = new CliRun();
        var ((code, _, stderr), _) = await LoginAsync(cli, new GrantPlan(), g => g.Approve("revoked-user"));
        Assert.True(code == 0, stderr);
        Idp.Revoke(Stored(cli).GetProperty("refreshToken").GetString()!);

        cli.Clock = new ShiftedClock(TimeSpan.FromHours(1));
        var (whoCode, who, whoErr) = await cli.RunAsync(plane, NoToken, "whoami");

        Assert.Equal(1, whoCode);
        Assert.Empty(who);
        Assert.Contains("invalid_grant", whoErr);
        Assert.Contains("run gpusched login again", whoErr);
        Assert.DoesNotContain("   at ", whoErr);
    }

    [Fact]
    public async Task A_token_the_server_refuses_is_refreshed_once_and_the_call_sent_again()
    {
        using var cli = new CliRun();

        // The first access token is for another audience: the control plane answers 401 to login's GET /api/v1/me.
        var refreshes = Idp.Refreshed.Count;
        var ((code, stdout, stderr), _) = await LoginAsync(cli, new GrantPlan(FirstTokenAudience: "someone-else"), g => g.Approve("retry-user"));

        Assert.True(code == 0, stderr);
        Assert.Contains("as retry-user", stdout);
        Assert.Equal(refreshes + 1, Idp.Refreshed.Count);
        var (whoCode, who, whoErr) = await cli.RunAsync(plane, NoToken, "whoami");
        Assert.True(whoCode == 0, whoErr);
        Assert.Contains("user:          retry-user", who);
    }

    [Fact]
    public async Task Auth_token_never_takes_the_device_flow_and_logout_forgets_the_session()
    {
        using var cli = new CliRun();
        var ((code, _, stderr), _) = await LoginAsync(cli, new GrantPlan(), g => g.Approve("leaving-user"));
        Assert.True(code == 0, stderr);
        var grants = Idp.Grants;

        var (logoutCode, logout, _) = await cli.RunAsync(plane, NoToken, "logout");
        Assert.Equal((0, "Logged out."), (logoutCode, logout.Trim()));
        Assert.False(File.Exists(ConfigFile(cli)));
        var (whoCode, _, whoErr) = await cli.RunAsync(plane, NoToken, "whoami");
        Assert.Equal(1, whoCode);
        Assert.Contains("401", whoErr);

        // The environment's API token (the admin's) is what the check sends; the offered device flow is not taken.
        var (tokenCode, tokenOut, tokenErr) = await cli.RunAsync(plane, "login", "--server", plane.Url, "--auth", "token");
        Assert.True(tokenCode == 0, tokenErr);
        Assert.Contains("token from GPUSCHED_TOKEN, not stored", tokenOut);
        Assert.Equal(grants, Idp.Grants);
        Assert.DoesNotContain("refreshToken", File.ReadAllText(ConfigFile(cli)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Auth_oidc_with_a_token_file_is_a_usage_error()
    {
        using var cli = new CliRun();
        var file = cli.WriteFile("token", plane.AdminToken);

        var (code, _, stderr) = await cli.RunAsync(plane, NoToken, "login", "--server", plane.Url, "--auth", "oidc", "--token-file", file);

        Assert.Equal(2, code);
        Assert.Contains("exclude each other", stderr);
    }

    [Fact]
    public async Task The_servers_offer_names_the_provider_and_public_client_and_nothing_secret()
    {
        using var anonymous = plane.CreateClient();

        var body = await anonymous.GetStringAsync("/api/v1/auth/config", Ct);

        var oidc = JsonDocument.Parse(body).RootElement.GetProperty("oidc");
        Assert.Equal(Idp.Issuer, oidc.GetProperty("authority").GetString());
        Assert.Equal(TestIdentityProvider.ClientId, oidc.GetProperty("clientId").GetString());
        Assert.Equal(TestIdentityProvider.Audience, oidc.GetProperty("audience").GetString());
        Assert.DoesNotContain("secret", body, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The real clock moved by <paramref name="offset"/>; its timers stay real, so the CLI's polling is unaffected.</summary>
    private sealed class ShiftedClock(TimeSpan offset) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + offset;
    }
}
