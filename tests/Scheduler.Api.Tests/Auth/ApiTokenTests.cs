using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;

namespace Scheduler.Api.Tests.Auth;

/// <summary>API tokens through the API: created by their owner or an admin, stored only as hashes, expiring, revoked at once.</summary>
public sealed class ApiTokenTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(Guid Id, string Token)> CreateTokenAsync(HttpClient client, string user, string? lifetime = null)
    {
        var response = await client.PostAsJsonAsync($"/api/v1/users/{user}/tokens", new { label = "laptop", lifetime }, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        return (body.RootElement.GetProperty("details").GetProperty("id").GetGuid(), body.RootElement.GetProperty("token").GetString()!);
    }

    [Fact]
    public async Task Without_a_token_the_api_answers_401_with_a_bearer_challenge()
    {
        using var anonymous = api.ClientAs(null);

        using var response = await anonymous.GetAsync("/api/v1/queues", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Health_probes_stay_open()
    {
        using var anonymous = api.ClientAs(null);

        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/healthz", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/readyz", Ct)).StatusCode);
    }

    [Fact]
    public async Task No_token_is_recoverable_from_the_database()
    {
        using var admin = api.CreateClient();
        var (id, token) = await CreateTokenAsync(admin, "hash-check");

        await using var connection = new NpgsqlConnection(api.Database.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var dump = new NpgsqlCommand("SELECT t::text FROM api_tokens t", connection);
        var rows = new List<string>();
        await using (var reader = await dump.ExecuteReaderAsync(Ct))
        {
            while (await reader.ReadAsync(Ct))
            {
                rows.Add(reader.GetString(0));
            }
        }

        var secret = token[Application.Identity.ApiTokenSecrets.Prefix.Length..];
        Assert.Contains(rows, r => r.Contains(id.ToString(), StringComparison.Ordinal));
        Assert.DoesNotContain(rows, r => r.Contains(secret, StringComparison.Ordinal) || r.Contains(Convert.ToHexString(System.Text.Encoding.UTF8.GetBytes(secret)), StringComparison.OrdinalIgnoreCase));
        await using var hash = new NpgsqlCommand("SELECT hash FROM api_tokens WHERE id = @id", connection) { Parameters = { new("id", id) } };
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token)), (byte[])(await hash.ExecuteScalarAsync(Ct))!);
    }

    [Fact]
    public async Task A_revoked_token_is_refused_on_the_next_request()
    {
        using var admin = api.CreateClient();
        var (id, token) = await CreateTokenAsync(admin, "revoked-user");
        using var user = api.ClientAs(token);
        Assert.Equal(HttpStatusCode.OK, (await user.GetAsync("/api/v1/me", Ct)).StatusCode);

        // The owner revokes it with itself.
        Assert.Equal(HttpStatusCode.OK, (await user.DeleteAsync($"/api/v1/users/revoked-user/tokens/{id}", Ct)).StatusCode);

        using var next = await user.GetAsync("/api/v1/me", Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, next.StatusCode);
        Assert.Contains("revoked", next.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_expired_token_is_refused()
    {
        using var admin = api.CreateClient();
        var (id, token) = await CreateTokenAsync(admin, "expiring-user");
        await using (var connection = new NpgsqlConnection(api.Database.ConnectionString))
        {
            await connection.OpenAsync(Ct);
            await using var expire = new NpgsqlCommand("UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = @id", connection) { Parameters = { new("id", id) } };
            await expire.ExecuteNonQueryAsync(Ct);
        }

        using var user = api.ClientAs(token);
        using var response = await user.GetAsync("/api/v1/me", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("expired", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_user_lists_their_own_tokens_without_the_secrets_and_not_another_users()
    {
        using var admin = api.CreateClient();
        var (_, token) = await CreateTokenAsync(admin, "lister");
        await CreateTokenAsync(admin, "someone-else");
        using var user = api.ClientAs(token);

        var own = await user.GetStringAsync("/api/v1/users/lister/tokens", Ct);
        using var theirs = await user.GetAsync("/api/v1/users/someone-else/tokens", Ct);

        Assert.DoesNotContain(token[Application.Identity.ApiTokenSecrets.Prefix.Length..], own, StringComparison.Ordinal);
        Assert.Single(JsonDocument.Parse(own).RootElement.EnumerateArray());
        Assert.Equal(HttpStatusCode.Forbidden, theirs.StatusCode);
        Assert.Equal("tokens:manage", JsonDocument.Parse(await theirs.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("permission").GetString());
    }

    [Fact]
    public async Task Token_actions_are_in_the_audit_log_with_who_and_what()
    {
        using var admin = api.CreateClient();
        var (id, _) = await CreateTokenAsync(admin, "audited-user");
        (await admin.DeleteAsync($"/api/v1/users/audited-user/tokens/{id}", Ct)).EnsureSuccessStatusCode();

        using var log = JsonDocument.Parse(await admin.GetStringAsync("/api/v1/audit?limit=1000", Ct));
        var entries = log.RootElement.GetProperty("items").EnumerateArray()
            .Where(e => e.GetProperty("target").GetString() == $"user/audited-user/token/{id}").ToList();

        Assert.Equal(["token.revoke", "token.create"], entries.Select(e => e.GetProperty("action").GetString()));
        Assert.All(entries, e => Assert.Equal(ApiFactory.AdminUser, e.GetProperty("actor").GetString()));
        Assert.True(!entries[0].GetProperty("before").TryGetProperty("revokedAt", out var before) || before.ValueKind == JsonValueKind.Null);
        Assert.NotEqual(JsonValueKind.Null, entries[0].GetProperty("after").GetProperty("revokedAt").ValueKind);
    }
}
