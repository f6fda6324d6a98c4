using System.Text.RegularExpressions;
using Mediator;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Scheduler.Application;
using Scheduler.Application.Dashboard;
using Scheduler.Application.Identity;
using Scheduler.Application.Jobs;
using Scheduler.Application.Queues;
using Scheduler.Domain.Identity;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Queues;
using Scheduler.Testing.Postgres;

namespace Scheduler.Cli.Tests;

/// <summary>
/// The real control plane over a migrated PostgreSQL database of the test class's own, with a clock the test moves and
/// a cluster view the test sets (no Kubernetes). The CLI reaches it through the in-process handler, or over TCP when
/// <see cref="OnKestrel"/> (a separate process, such as gpusched under tmux, needs a port).
/// </summary>
public class ControlPlane : WebApplicationFactory<global::Program>, IAsyncLifetime
{
    private TestDatabase? _database;

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));

    public FixedCluster Cluster { get; } = new();

    protected virtual bool OnKestrel => false;

    /// <summary>The base URL: a loopback port on Kestrel, else the in-process server's.</summary>
    public string Url { get; private set; } = "http://localhost/";

    public async ValueTask InitializeAsync()
    {
        _database = await PostgresServer.CreateDatabaseAsync("cli");
        if (OnKestrel)
        {
            UseKestrel(0);
            StartServer();
            Url = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/";
        }

        await Services.MigrateDatabaseAsync();
        AdminToken = await Services.CreateAdminTokenAsync(AdminUser, "cli tests");
    }

    /// <summary>The cluster admin whose token the CLI runs send.</summary>
    public const string AdminUser = "test-admin";

    /// <summary>A cluster admin's API token: every CLI run of the tests sends it (GPUSCHED_TOKEN) unless the test sets another.</summary>
    public string AdminToken { get; private set; } = string.Empty;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("ConnectionStrings:Scheduler", _database!.ConnectionString).UseSetting("Scheduler:Kubernetes:Mode", "Disabled");
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<TimeProvider>(Clock);
            services.AddSingleton<IClusterView>(Cluster);
        });
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>A context whose calls reach this control plane, with a config folder of the test's own and no colour.</summary>
    internal CliContext Context(TextWriter output, TextWriter error, string configDirectory, IReadOnlyDictionary<string, string>? environment = null)
    {
        var env = new Dictionary<string, string>(environment ?? new Dictionary<string, string>()) { ["GPUSCHED_CONFIG_DIR"] = configDirectory };
        env.TryAdd("GPUSCHED_SERVER", Url);
        env.TryAdd("GPUSCHED_TOKEN", AdminToken);
        return new CliContext(output, error)
        {
            Environment = name => env.GetValueOrDefault(name),
            Handler = OnKestrel ? null : () => Server.CreateHandler(),
            Width = 160,
        };
    }

    public async Task PutQueueAsync(string name, QueueSpec? spec = null)
    {
        await using var scope = Services.CreateAsyncScope();
        var result = await scope.ServiceProvider.GetRequiredService<ISender>()
            .Send(new PutQueue(name, spec ?? new QueueSpec { NominalQuota = new Dictionary<string, int> { ["A100-80GB"] = 8 } }));
        Assert.True(result.IsSuccess, result.IsSuccess ? null : result.Failure.Title);
    }

    /// <summary>Creates <paramref name="team"/> (if new) and gives it <paramref name="queue"/>.</summary>
    public async Task PutTeamAsync(string team, string queue)
    {
        await using var scope = Services.CreateAsyncScope();
        var sender = scope.ServiceProvider.GetRequiredService<ISender>();
        var created = await sender.Send(new PutTeam(team, AdminUser));
        Assert.True(created.IsSuccess, created.IsSuccess ? null : created.Failure.Title);
        var owned = await sender.Send(new SetQueueTeam(queue, team, AdminUser));
        Assert.True(owned.IsSuccess, owned.IsSuccess ? null : owned.Failure.Title);
    }

    /// <summary>Adds <paramref name="user"/> to <paramref name="team"/> with <paramref name="role"/> and answers a new API token of theirs.</summary>
    public async Task<string> MemberTokenAsync(string team, string user, TeamRole role)
    {
        await using var scope = Services.CreateAsyncScope();
        var sender = scope.ServiceProvider.GetRequiredService<ISender>();
        var member = await sender.Send(new PutTeamMember(team, user, role, AdminUser));
        Assert.True(member.IsSuccess, member.IsSuccess ? null : member.Failure.Title);
        var token = await sender.Send(new CreateApiToken(user, "cli tests", Lifetime: null, AdminUser));
        Assert.True(token.IsSuccess, token.IsSuccess ? null : token.Failure.Title);
        return token.Value.Token;
    }

    /// <summary>Moves a job the way the operator would, through the application's own command.</summary>
    public async Task MoveAsync(Guid job, params JobState[] states)
    {
        foreach (var state in states)
        {
            await using var scope = Services.CreateAsyncScope();
            var result = await scope.ServiceProvider.GetRequiredService<ISender>().Send(new TransitionJob(job, state, $"test moved it to {state}"));
            Assert.True(result.IsSuccess, result.IsSuccess ? null : string.Join("; ", result.Failure.Errors.SelectMany(e => e.Value)));
        }
    }

    public async Task<JobDetails?> FindJobAsync(string queue, string name)
    {
        await using var scope = Services.CreateAsyncScope();
        var page = await scope.ServiceProvider.GetRequiredService<ISender>().Send(new ListJobs(queue, null, ListJobs.MaxLimit));
        return page.Items.FirstOrDefault(j => j.Name == name);
    }
}

/// <summary>The control plane on a loopback port.</summary>
public sealed class KestrelControlPlane : ControlPlane
{
    protected override bool OnKestrel => true;
}

/// <summary>The cluster the dashboard endpoints see, set by the test.</summary>
public sealed class FixedCluster : IClusterView
{
    public ClusterSnapshot State { get; set; } = ClusterSnapshot.Empty;

    public ValueTask<ClusterSnapshot> ReadAsync(CancellationToken cancellationToken) => ValueTask.FromResult(State);
}

/// <summary>Job ids are random: golden files see them numbered in order of first appearance, same width.</summary>
internal static partial class Ids
{
    public static string Numbered(string text)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        return Guid().Replace(text, m => $"00000000-0000-0000-0000-{(seen.TryGetValue(m.Value, out var n) ? n : seen[m.Value] = seen.Count + 1):D12}");
    }

    [GeneratedRegex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")]
    private static partial Regex Guid();
}
