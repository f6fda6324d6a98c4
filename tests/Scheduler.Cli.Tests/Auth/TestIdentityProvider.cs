using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Scheduler.Cli.Tests.Auth;

/// <summary>
/// The organisation's OIDC provider as the tests play it, on a loopback port: a discovery document, the JWKS of an RSA key
/// the test generates, the device authorization endpoint and a token endpoint for the device code and refresh token
/// grants (RFC 8628, RFC 6749 §6). Access tokens are RS256 JWTs signed by <see cref="JsonWebTokenHandler"/>. A test plays
/// the user at the verification page through <see cref="DeviceGrant"/>: approve, deny or let the code expire.
/// </summary>
public sealed class TestIdentityProvider : IAsyncDisposable
{
    public const string ClientId = "gpusched";
    public const string Audience = "gpu-scheduler";
    public const string DeviceCodeGrant = "urn:ietf:params:oauth:grant-type:device_code";
    private const string KeyId = "cli-test-key";

    private readonly WebApplication _app;
    private readonly RSA _key = RSA.Create(2048);
    private readonly ConcurrentDictionary<string, DeviceGrant> _grants = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string User, string[] Groups)> _refreshTokens = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _refreshed = new();
    private int _issued;
    private int _sequence;

    public TestIdentityProvider()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        _app = builder.Build();
        _app.MapGet("/.well-known/openid-configuration", Discovery);
        _app.MapGet("/jwks", () =>
        {
            var key = _key.ExportParameters(includePrivateParameters: false);
            return Results.Json(new { keys = new[] { new { kty = "RSA", use = "sig", alg = "RS256", kid = KeyId, n = Base64UrlEncoder.Encode(key.Modulus), e = Base64UrlEncoder.Encode(key.Exponent) } } });
        });
        _app.MapPost("/device_authorization", DeviceAuthorization);
        _app.MapPost("/token", TokenAsync);
        _app.StartAsync().GetAwaiter().GetResult();
        Issuer = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
    }

    /// <summary>The provider's URL, its issuer and the authority the control plane is configured with.</summary>
    public string Issuer { get; }

    /// <summary>How the next device authorization goes; a test sets it before it runs login (tests of a class run one at a time).</summary>
    public GrantPlan Plan { get; set; } = new();

    /// <summary>The refresh tokens the token endpoint has accepted, in order.</summary>
    public IReadOnlyCollection<string> Refreshed => _refreshed;

    /// <summary>Access tokens issued so far (device code and refresh grants together).</summary>
    public int Issued => _issued;

    /// <summary>Ends the session a refresh token belongs to (the user signed out at the provider, or an admin revoked it).</summary>
    public void Revoke(string refreshToken) => _refreshTokens.TryRemove(refreshToken, out _);

    /// <summary>How many device authorizations were asked for so far; a test notes it before it starts login.</summary>
    public int Grants => _grants.Count;

    /// <summary>The device authorization the CLI asks for after the first <paramref name="before"/>, once it has.</summary>
    public async Task<DeviceGrant> WaitForGrantAsync(int before, CancellationToken cancellationToken)
    {
        await Wait.UntilAsync(() => _grants.Values.Any(g => g.Sequence >= before), "the CLI to ask for a device code", cancellationToken);
        return _grants.Values.First(g => g.Sequence >= before);
    }

    private IResult Discovery() => Results.Json(new Dictionary<string, object>
    {
        ["issuer"] = Issuer,
        ["jwks_uri"] = Issuer + "/jwks",
        ["token_endpoint"] = Issuer + "/token",
        ["device_authorization_endpoint"] = Issuer + "/device_authorization",
        ["grant_types_supported"] = new[] { DeviceCodeGrant, "refresh_token" },
        ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
    });

    private IResult DeviceAuthorization(HttpRequest request)
    {
        var form = request.Form;
        if (form["client_id"] != ClientId)
        {
            return Error("invalid_client", "unknown client");
        }

        var plan = Plan;
        var grant = new DeviceGrant(Interlocked.Increment(ref _sequence) - 1, Guid.NewGuid().ToString("N"), $"{Random.Shared.Next(1000, 9999)}-{Random.Shared.Next(1000, 9999)}", form["scope"].ToString(), plan);
        _grants[grant.DeviceCode] = grant;
        return Results.Json(new Dictionary<string, object>
        {
            ["device_code"] = grant.DeviceCode,
            ["user_code"] = grant.UserCode,
            ["verification_uri"] = Issuer + "/device",
            ["verification_uri_complete"] = Issuer + "/device?user_code=" + grant.UserCode,
            ["expires_in"] = plan.CodeLifetimeSeconds,
            ["interval"] = plan.IntervalSeconds,
        });
    }

    private IResult TokenAsync(HttpRequest request)
    {
        var form = request.Form;
        if (form["client_id"] != ClientId)
        {
            return Error("invalid_client", "unknown client");
        }

        if (form["grant_type"] == DeviceCodeGrant)
        {
            if (!_grants.TryGetValue(form["device_code"].ToString(), out var grant))
            {
                return Error("invalid_grant", "unknown device code");
            }

            switch (grant.Poll())
            {
                case GrantAnswer.SlowDown:
                    return Error("slow_down", null);
                case GrantAnswer.Pending:
                    return Error("authorization_pending", null);
                case GrantAnswer.Denied:
                    return Error("access_denied", "the user said no");
                case GrantAnswer.Expired:
                    return Error("expired_token", null);
                case GrantAnswer.Used:
                    return Error("invalid_grant", "the device code was used");
                default:
                    return Tokens(grant.User!, grant.Groups, grant.Plan, first: true);
            }
        }

        if (form["grant_type"] == "refresh_token")
        {
            // Rotated: a refresh token is good once.
            if (!_refreshTokens.TryRemove(form["refresh_token"].ToString(), out var holder))
            {
                return Error("invalid_grant", "unknown or used refresh token");
            }

            _refreshed.Enqueue(form["refresh_token"].ToString());
            return Tokens(holder.User, holder.Groups, Plan, first: false);
        }

        return Error("unsupported_grant_type", null);
    }

    private IResult Tokens(string user, string[] groups, GrantPlan plan, bool first)
    {
        Interlocked.Increment(ref _issued);
        var refreshToken = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        _refreshTokens[refreshToken] = (user, groups);
        // No iat/nbf: the control plane's clock in these tests is a fake one in the past; exp is an hour ahead of the real one.
        var accessToken = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = first && plan.FirstTokenAudience is { } audience ? audience : Audience,
            Expires = DateTime.UtcNow.AddHours(1),
            // jti: two tokens issued within the same second would otherwise be identical (exp has second resolution, RS256 is deterministic).
            Claims = new Dictionary<string, object> { ["preferred_username"] = user, ["groups"] = groups, ["jti"] = Guid.NewGuid().ToString("N") },
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(_key) { KeyId = KeyId }, SecurityAlgorithms.RsaSha256),
        });
        return Results.Json(new Dictionary<string, object>
        {
            ["access_token"] = accessToken,
            ["token_type"] = "Bearer",
            ["expires_in"] = plan.ExpiresInSeconds,
            ["refresh_token"] = refreshToken,
        });
    }

    private static IResult Error(string error, string? description) =>
        Results.Json(description is null ? new Dictionary<string, string> { ["error"] = error } : new Dictionary<string, string> { ["error"] = error, ["error_description"] = description }, statusCode: 400);

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _key.Dispose();
    }
}

/// <summary>
/// How a device authorization goes: the polling interval and code lifetime it announces, how many polls answer
/// <c>slow_down</c> first, the access tokens' announced lifetime, and an audience the server refuses for the first token.
/// </summary>
public sealed record GrantPlan(int IntervalSeconds = 1, int CodeLifetimeSeconds = 120, int SlowDowns = 0, int ExpiresInSeconds = 600, string? FirstTokenAudience = null);

public enum GrantAnswer
{
    Pending,
    SlowDown,
    Approved,
    Denied,
    Expired,
    Used,
}

/// <summary>One device authorization; the test acts as the user at the verification page.</summary>
public sealed class DeviceGrant(int sequence, string deviceCode, string userCode, string scope, GrantPlan plan)
{
    private readonly Lock _lock = new();
    private readonly List<DateTimeOffset> _polls = [];
    private GrantAnswer _state = GrantAnswer.Pending;
    private int _slowDowns = plan.SlowDowns;

    /// <summary>0 for the provider's first device authorization, 1 for the next, …</summary>
    public int Sequence { get; } = sequence;

    public string DeviceCode { get; } = deviceCode;

    public string UserCode { get; } = userCode;

    public string Scope { get; } = scope;

    public GrantPlan Plan { get; } = plan;

    public string? User { get; private set; }

    public string[] Groups { get; private set; } = [];

    /// <summary>When the CLI polled the token endpoint with this code (real time).</summary>
    public IReadOnlyList<DateTimeOffset> Polls
    {
        get
        {
            lock (_lock)
            {
                return [.. _polls];
            }
        }
    }

    public void Approve(string user, params string[] groups)
    {
        lock (_lock)
        {
            (User, Groups, _state) = (user, groups, GrantAnswer.Approved);
        }
    }

    public void Deny() => Set(GrantAnswer.Denied);

    public void Expire() => Set(GrantAnswer.Expired);

    internal GrantAnswer Poll()
    {
        lock (_lock)
        {
            _polls.Add(DateTimeOffset.UtcNow);
            if (_slowDowns > 0)
            {
                _slowDowns--;
                return GrantAnswer.SlowDown;
            }

            var answer = _state;
            if (answer == GrantAnswer.Approved)
            {
                _state = GrantAnswer.Used;
            }

            return answer;
        }
    }

    private void Set(GrantAnswer state)
    {
        lock (_lock)
        {
            _state = state;
        }
    }
}

/// <summary>Waits on a condition with a deadline (never a fixed sleep): the CLI runs concurrently with the test.</summary>
internal static class Wait
{
    public static async Task UntilAsync(Func<bool> condition, string what, CancellationToken cancellationToken, int seconds = 60)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(seconds));
        while (!condition())
        {
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                Assert.Fail($"waited {seconds} s for {what}");
            }
        }
    }
}
