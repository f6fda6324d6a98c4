using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Scheduler.Api.Tests.Auth;

/// <summary>
/// The organisation's identity provider as the test plays it: an RSA key the test generates, its public half served as a
/// JWKS document on a local port, and tokens the test signs. The scheduler is configured with that issuer, audience and JWKS.
/// </summary>
public sealed class IdentityProviderApiFactory : ApiFactory
{
    public const string Issuer = "https://idp.example.test";
    public const string Audience = "gpu-scheduler";
    public const string KeyId = "test-key";

    private readonly WebApplication _jwks;

    public IdentityProviderApiFactory()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        _jwks = builder.Build();
        var key = Key.ExportParameters(includePrivateParameters: false);
        var document = JsonSerializer.Serialize(new
        {
            keys = new[] { new { kty = "RSA", use = "sig", alg = "RS256", kid = KeyId, n = Base64UrlEncoder.Encode(key.Modulus), e = Base64UrlEncoder.Encode(key.Exponent) } },
        });
        _jwks.MapGet("/jwks", () => Results.Text(document, "application/json"));
        _jwks.StartAsync().GetAwaiter().GetResult();
        JwksUri = _jwks.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/jwks";
    }

    public RSA Key { get; } = RSA.Create(2048);

    public string JwksUri { get; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder!.UseSetting("Scheduler:Auth:Oidc:Issuer", Issuer)
            .UseSetting("Scheduler:Auth:Oidc:Audience", Audience)
            .UseSetting("Scheduler:Auth:Oidc:JwksUri", JwksUri)
            .UseSetting("Scheduler:Auth:Oidc:RequireHttpsMetadata", "false")
            .UseSetting("Scheduler:Auth:Oidc:GroupTeams:ml-alpha", "alpha:Member")
            .UseSetting("Scheduler:Auth:Oidc:AdminGroups:0", "platform");
    }

    /// <summary>A token as the provider would issue it, each part overridable to forge a bad one.</summary>
    public string Token(string user, string[] groups, string issuer = Issuer, string audience = Audience, DateTime? expires = null, RSA? signer = null)
    {
        var expiry = expires ?? DateTime.UtcNow.AddMinutes(10);
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = expiry.AddMinutes(-20),
            NotBefore = expiry.AddMinutes(-20),
            Expires = expiry,
            Claims = new Dictionary<string, object> { ["preferred_username"] = user, ["groups"] = groups },
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(signer ?? Key) { KeyId = KeyId }, SecurityAlgorithms.RsaSha256),
        });
    }

    public override async ValueTask DisposeAsync()
    {
        await _jwks.DisposeAsync();
        Key.Dispose();
        await base.DisposeAsync();
    }
}

public sealed class JwtBearerTests(IdentityProviderApiFactory api) : IClassFixture<IdentityProviderApiFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<HttpResponseMessage> GetMeAsync(string token)
    {
        using var client = api.ClientAs(null);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await client.GetAsync("/api/v1/me", Ct);
    }

    [Fact]
    public async Task A_providers_token_signs_in_with_its_groups_mapped_to_teams()
    {
        using var response = await GetMeAsync(api.Token("jwt-user", ["ml-alpha", "unrelated"]));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var me = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("jwt-user", me.RootElement.GetProperty("name").GetString());
        Assert.False(me.RootElement.GetProperty("clusterAdmin").GetBoolean());
        var team = Assert.Single(me.RootElement.GetProperty("teams").EnumerateArray());
        Assert.Equal(("alpha", "Member"), (team.GetProperty("team").GetString(), team.GetProperty("role").GetString()));
    }

    [Fact]
    public async Task An_admin_group_makes_a_cluster_admin()
    {
        using var client = api.ClientAs(api.Token("platform-user", ["platform"]));

        using var response = await client.PutAsync("/api/v1/teams/from-jwt", null, Ct);

        Assert.True(response.IsSuccessStatusCode, response.StatusCode.ToString());
    }

    public static TheoryData<string> Forgeries => ["expired", "wrong audience", "wrong issuer", "badly signed", "not a JWT"];

    [Theory]
    [MemberData(nameof(Forgeries))]
    public async Task A_forged_or_stale_token_is_401(string forgery)
    {
        using var otherKey = RSA.Create(2048);
        var token = forgery switch
        {
            "expired" => api.Token("jwt-user", [], expires: DateTime.UtcNow.AddMinutes(-10)),
            "wrong audience" => api.Token("jwt-user", [], audience: "someone-else"),
            "wrong issuer" => api.Token("jwt-user", [], issuer: "https://evil.example.test"),
            "badly signed" => api.Token("jwt-user", [], signer: otherKey),
            _ => "eyJhbGciOiJub25lIn0.e30.",
        };

        using var response = await GetMeAsync(token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.First().Scheme);
    }
}
