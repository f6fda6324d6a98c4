using System.Net.Http.Json;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Scheduler.Application.Identity;
using Scheduler.Application.Jobs;
using Scheduler.Domain.Identity;
using Scheduler.Testing.Builders;

namespace Scheduler.Api.Tests.Auth;

/// <summary>
/// Two teams as an installation would have them: <c>alpha</c> owns queue <c>alpha-q</c> with a viewer, a member and an
/// admin; <c>beta</c> owns <c>beta-q</c> with a viewer and a member. One job waits in each queue. Tokens for everyone.
/// </summary>
internal sealed class TeamWorld
{
    public const string AlphaQueue = "alpha-q";
    public const string BetaQueue = "beta-q";

    public required string AlphaViewer { get; init; }
    public required string AlphaMember { get; init; }
    public required string AlphaAdmin { get; init; }
    public required string BetaViewer { get; init; }
    public required string BetaMember { get; init; }
    public required Guid AlphaJob { get; init; }
    public required Guid BetaJob { get; init; }

    public static async Task<TeamWorld> CreateAsync(ApiFactory api, string suffix = "")
    {
        ArgumentNullException.ThrowIfNull(api);
        using var admin = api.CreateClient();
        foreach (var (team, queue) in new[] { ("alpha", AlphaQueue), ("beta", BetaQueue) })
        {
            (await admin.PutAsync($"/api/v1/teams/{team}", null)).EnsureSuccessStatusCode();
            (await admin.PutAsJsonAsync($"/api/v1/queues/{queue}", new { nominalQuota = new Dictionary<string, int> { ["A100-80GB"] = 8 } })).EnsureSuccessStatusCode();
            (await admin.PutAsJsonAsync($"/api/v1/queues/{queue}/team", new { team })).EnsureSuccessStatusCode();
        }

        return new TeamWorld
        {
            AlphaViewer = await MemberTokenAsync(api, "alpha", $"alpha-viewer{suffix}", TeamRole.Viewer),
            AlphaMember = await MemberTokenAsync(api, "alpha", $"alpha-member{suffix}", TeamRole.Member),
            AlphaAdmin = await MemberTokenAsync(api, "alpha", $"alpha-admin{suffix}", TeamRole.Admin),
            BetaViewer = await MemberTokenAsync(api, "beta", $"beta-viewer{suffix}", TeamRole.Viewer),
            BetaMember = await MemberTokenAsync(api, "beta", $"beta-member{suffix}", TeamRole.Member),
            AlphaJob = await SubmitAsync(api, AlphaQueue, $"alpha-job{suffix}"),
            BetaJob = await SubmitAsync(api, BetaQueue, $"beta-job{suffix}"),
        };
    }

    /// <summary>Adds <paramref name="user"/> to <paramref name="team"/> with <paramref name="role"/> and answers a new token of theirs.</summary>
    public static async Task<string> MemberTokenAsync(ApiFactory api, string team, string user, TeamRole role)
    {
        ArgumentNullException.ThrowIfNull(api);
        await using var scope = api.Services.CreateAsyncScope();
        var sender = scope.ServiceProvider.GetRequiredService<ISender>();
        var member = await sender.Send(new PutTeamMember(team, user, role, "test"));
        Assert.True(member.IsSuccess, member.Failure?.Title);
        var token = await sender.Send(new CreateApiToken(user, "test", Lifetime: null, "test"));
        Assert.True(token.IsSuccess, token.Failure?.Title);
        return token.Value.Token;
    }

    public static async Task<Guid> SubmitAsync(ApiFactory api, string queue, string name)
    {
        ArgumentNullException.ThrowIfNull(api);
        await using var scope = api.Services.CreateAsyncScope();
        var submitted = await scope.ServiceProvider.GetRequiredService<ISender>().Send(new SubmitJob(JobSpecBuilder.AJob(name).InQueue(queue).Build()));
        Assert.True(submitted.IsSuccess, submitted.Failure?.Title);
        return submitted.Value.Job.Id;
    }
}
