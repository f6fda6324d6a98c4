using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Scheduler.Testing.Builders;

namespace Scheduler.Api.Tests.Auth;

/// <summary>
/// Every endpoint the application maps (read from its <see cref="EndpointDataSource"/>) × every kind of caller, against
/// the expected answer. An endpoint that declares neither a policy nor <c>AllowAnonymous</c>, or that declares a policy
/// but has no row here, fails the test: a new endpoint cannot ship without a decision about who may call it.
/// </summary>
public sealed class PermissionMatrixTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Allowed: anything but 401/403 (and never a 500); Anon: 401 with WWW-Authenticate; Deny: 403 problem naming the permission; SignIn: a redirect to the sign-in page.</summary>
    public enum Expect
    {
        Allowed,
        Anon,
        Deny,
        SignIn,
    }

    private static readonly string[] Callers = ["anonymous", "viewer of another team", "member", "team admin", "cluster admin", "job token"];

    private const Expect A = Expect.Allowed;
    private const Expect U = Expect.Anon;
    private const Expect F = Expect.Deny;
    private const Expect S = Expect.SignIn;

    // Columns: anonymous, viewer of another team, member, team admin, cluster admin, job token (of the team's job).
    private static readonly Dictionary<string, Expect[]> Matrix = new(StringComparer.Ordinal)
    {
        ["GET /api/v1/jobs/"] = [U, A, A, A, A, F],
        ["POST /api/v1/jobs/"] = [U, F, A, A, A, F],
        ["GET /api/v1/jobs/{id}"] = [U, A, A, A, A, F],
        ["DELETE /api/v1/jobs/{id}"] = [U, F, A, A, A, F],
        ["GET /api/v1/jobs/{id}/events"] = [U, A, A, A, A, F],
        ["POST /api/v1/jobs/{id}/hold"] = [U, F, A, A, A, F],
        ["POST /api/v1/jobs/{id}/release"] = [U, F, A, A, A, F],
        ["POST /api/v1/jobs/{id}/requeue"] = [U, F, A, A, A, F],
        ["PATCH /api/v1/jobs/{id}"] = [U, F, A, A, A, F],
        ["DELETE /api/v1/jobs/{id}/array"] = [U, F, A, A, A, F],
        ["POST /api/v1/jobs/{id}/array/hold"] = [U, F, A, A, A, F],
        ["POST /api/v1/jobs/{id}/array/release"] = [U, F, A, A, A, F],
        ["GET /api/v1/jobs/{id}/logs"] = [U, A, A, A, A, F],
        ["GET /api/v1/jobs/{id}/notifications"] = [U, A, A, A, A, F],
        ["GET /api/v1/jobs/{id}/advice"] = [U, A, A, A, A, F],
        ["GET /api/v1/queues/"] = [U, A, A, A, A, F],
        ["GET /api/v1/queues/{name}"] = [U, A, A, A, A, F],
        ["PUT /api/v1/queues/{name}"] = [U, F, F, A, A, F],
        ["PUT /api/v1/queues/{name}/team"] = [U, F, F, F, A, F],
        ["POST /api/v1/estimate"] = [U, A, A, A, A, F],
        ["POST /api/v1/jobs/{id}/telemetry"] = [U, F, F, F, F, A],
        ["GET /api/v1/calibration"] = [U, A, A, A, A, F],
        ["POST /api/v1/calibration"] = [U, F, F, F, A, F],
        ["GET /api/v1/dashboard/queues"] = [U, A, A, A, A, F],
        ["GET /api/v1/dashboard/cluster"] = [U, A, A, A, A, F],
        ["GET /api/v1/dashboard/jobs"] = [U, A, A, A, A, F],
        ["GET /api/v1/dashboard/jobs/{id}"] = [U, A, A, A, A, F],
        ["GET /api/v1/accounting/jobs"] = [U, A, A, A, A, F],
        ["GET /api/v1/accounting/usage"] = [U, A, A, A, A, F],
        ["GET /api/v1/me"] = [U, A, A, A, A, F],
        // Anonymous on purpose: how to sign in is asked before a token is held; it carries nothing secret.
        ["GET /api/v1/auth/config"] = [A, A, A, A, A, A],
        ["GET /api/v1/teams"] = [U, A, A, A, A, F],
        ["GET /api/v1/teams/{team}"] = [U, A, A, A, A, F],
        ["PUT /api/v1/teams/{team}"] = [U, F, F, F, A, F],
        ["PUT /api/v1/teams/{team}/members/{user}"] = [U, F, F, A, A, F],
        ["DELETE /api/v1/teams/{team}/members/{user}"] = [U, F, F, A, A, F],
        ["PUT /api/v1/users/{user}"] = [U, F, F, F, A, F],
        ["GET /api/v1/users/{user}/tokens"] = [U, F, A, F, A, F],
        ["POST /api/v1/users/{user}/tokens"] = [U, F, A, F, A, F],
        ["DELETE /api/v1/users/{user}/tokens/{tokenId}"] = [U, F, A, F, A, F],
        ["GET /api/v1/audit"] = [U, F, F, F, A, F],
        ["GET /ui/session"] = [S, A, A, A, A, F],
        ["POST /ui/sign-out"] = [S, A, A, A, A, F],
        ["GET /ui/{**path}"] = [S, A, A, A, A, F],
    };

    [Fact]
    public async Task Every_endpoint_answers_each_kind_of_caller_as_the_permission_model_says()
    {
        var world = await TeamWorld.CreateAsync(api);
        // Whom the member/token endpoints act on: the member's own things; a spare member and a spare token, so that a
        // removal or revocation the matrix makes does not take a caller's own credentials away.
        var spareToken = await TeamWorld.MemberTokenAsync(api, "alpha", "alpha-member", Domain.Identity.TeamRole.Member);
        await TeamWorld.MemberTokenAsync(api, "alpha", "alpha-spare", Domain.Identity.TeamRole.Viewer);
        var spareTokenId = await TokenIdAsync("alpha-member", spareToken);
        string?[] tokens = [null, world.BetaViewer, world.AlphaMember, world.AlphaAdmin, api.AdminToken, api.JobToken(world.AlphaJob, 1)];
        var values = new Dictionary<string, string>
        {
            ["id"] = world.AlphaJob.ToString(),
            ["name"] = TeamWorld.AlphaQueue,
            ["team"] = "alpha",
            ["tokenId"] = spareTokenId.ToString(),
            ["documentName"] = "v1",
            ["path"] = string.Empty,
        };

        var endpoints = api.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        var undeclared = endpoints.Where(e => !e.Metadata.OfType<IAuthorizeData>().Any(a => a.Policy is not null) && e.Metadata.GetMetadata<IAllowAnonymous>() is null)
            .Select(e => e.DisplayName).ToList();
        Assert.True(undeclared.Count == 0, $"endpoints without a declared policy: {string.Join(", ", undeclared)}");

        var failures = new List<string>();
        foreach (var endpoint in endpoints)
        {
            var anonymous = endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null;
            foreach (var method in endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"])
            {
                var pattern = "/" + endpoint.RoutePattern.RawText!.TrimStart('/');
                var key = $"{method} {pattern}";
                if (!Matrix.TryGetValue(key, out var expected))
                {
                    Assert.True(anonymous, $"{key} declares a policy but has no row in the permission matrix: decide who may call it and add the row");
                    expected = [A, A, A, A, A, A];
                }

                for (var caller = 0; caller < Callers.Length; caller++)
                {
                    var url = Fill(pattern, values, key.Contains("/members/", StringComparison.Ordinal) || key.StartsWith("PUT /api/v1/users/{user}", StringComparison.Ordinal) ? "alpha-spare" : "alpha-member");
                    using var client = api.ClientAs(tokens[caller], followRedirects: false);
                    using var request = new HttpRequestMessage(new HttpMethod(method), url) { Content = Body(key, caller) };
                    using var response = await client.SendAsync(request, Ct);
                    var problem = Check(response, expected[caller], await response.Content.ReadAsStringAsync(Ct));
                    if (problem is not null)
                    {
                        failures.Add($"{key} as {Callers[caller]}: {problem}");
                    }
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    private static string? Check(HttpResponseMessage response, Expect expected, string body)
    {
        var status = (int)response.StatusCode;
        if (status >= 500)
        {
            return $"answered {status}: {body}";
        }

        return expected switch
        {
            Expect.Allowed when status is 401 or 403 => $"expected to be allowed, answered {status}: {body}",
            Expect.Anon when status != 401 || response.Headers.WwwAuthenticate.Count == 0 => $"expected 401 with WWW-Authenticate, answered {status}",
            Expect.Deny when status != 403 => $"expected 403, answered {status}: {body}",
            Expect.Deny when response.Content.Headers.ContentType?.MediaType == "application/problem+json"
                && !JsonDocument.Parse(body).RootElement.TryGetProperty("permission", out _) => $"a 403 problem without the permission it lacks: {body}",
            Expect.SignIn when response.StatusCode != HttpStatusCode.Redirect || response.Headers.Location?.ToString().Contains("/ui/sign-in", StringComparison.Ordinal) != true
                => $"expected a redirect to sign in, answered {status} {response.Headers.Location}",
            _ => null,
        };
    }

    private static string Fill(string pattern, Dictionary<string, string> values, string user)
    {
        var url = pattern.Replace("{**path}", values["path"], StringComparison.Ordinal).Replace("{user}", user, StringComparison.Ordinal);
        foreach (var (name, value) in values)
        {
            url = url.Replace($"{{{name}}}", value, StringComparison.Ordinal).Replace($"{{{name}?}}", value, StringComparison.Ordinal);
        }

        return url;
    }

    /// <summary>A body the endpoint accepts from a caller it allows, so that an allowed call is not refused for its body instead.</summary>
    private static StringContent? Body(string key, int caller) => key switch
    {
        "POST /api/v1/jobs/" => Json(JobSpecBuilder.AJob($"matrix-{caller}").InQueue(TeamWorld.AlphaQueue).ToJson()),
        "PATCH /api/v1/jobs/{id}" => Json("""{ "maxRuntime": "PT2H" }"""),
        "POST /api/v1/estimate" => Json(JobSpecBuilder.AJob("priced").ToJson()),
        // Not the quota: the team's admins may change this part.
        "PUT /api/v1/queues/{name}" => Json("""{ "nominalQuota": { "A100-80GB": 8 }, "fairShareWeight": 2 }"""),
        "PUT /api/v1/queues/{name}/team" => Json("""{ "team": "alpha" }"""),
        "PUT /api/v1/teams/{team}/members/{user}" => Json("""{ "role": "Viewer" }"""),
        "PUT /api/v1/users/{user}" => Json("""{ "clusterAdmin": false }"""),
        "POST /api/v1/users/{user}/tokens" => Json("""{ "label": "matrix" }"""),
        "POST /api/v1/jobs/{id}/telemetry" => Json($$"""{ "step": 5, "tokens": 40960, "loss": 9.1, "tokensPerSecond": 1000, "stepSeconds": 8.192, "timestamp": "{{DateTimeOffset.UtcNow:O}}" }"""),
        _ when key.StartsWith("POST", StringComparison.Ordinal) || key.StartsWith("PUT", StringComparison.Ordinal) => Json("{}"),
        _ => null,
    };

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private async Task<Guid> TokenIdAsync(string user, string token)
    {
        await using var scope = api.Services.CreateAsyncScope();
        var check = await scope.ServiceProvider.GetRequiredService<Mediator.ISender>().Send(new Application.Identity.AuthenticateApiToken(token), Ct);
        Assert.Equal(user, check.Identity?.Name);
        return check.TokenId!.Value;
    }
}
