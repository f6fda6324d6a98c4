using System.Net;
using System.Text.Json;

namespace Scheduler.Api.Tests.Auth;

/// <summary><c>GET /api/v1/auth/config</c> answers anyone; it offers OIDC to the CLI only when the provider has a discovery document and a CLI client.</summary>
public sealed class AuthConfigTests(IdentityProviderApiFactory api) : IClassFixture<IdentityProviderApiFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Anyone_may_ask_how_to_sign_in_and_an_issuer_without_discovery_offers_no_device_flow()
    {
        using var client = api.ClientAs(null);

        using var response = await client.GetAsync("/api/v1/auth/config", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var config = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.True(config.RootElement.GetProperty("apiTokens").GetBoolean());
        // This factory's provider is Issuer + JwksUri: no device or token endpoint to offer.
        Assert.False(config.RootElement.TryGetProperty("oidc", out var oidc) && oidc.ValueKind != JsonValueKind.Null, config.RootElement.ToString());
    }
}
