using System.Threading.RateLimiting;
using Mediator;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using Scheduler.Api.Http;
using Scheduler.Application.Identity;

namespace Scheduler.Api.Auth;

/// <summary>
/// Authentication (API and job tokens, OIDC JWT bearer, the dashboard's cookie session) and authorization (one policy per
/// permission; the fallback requires a signed-in user, so an endpoint that declares nothing is never open).
/// </summary>
internal static class AuthServices
{
    public const string DefaultScheme = "Scheduler";
    public const string CookieScheme = "Cookie";
    public const string JwtScheme = "Jwt";
    public const string OidcScheme = "Oidc";
    public const string SessionCookie = ".GpuScheduler.Session";
    public const string AntiforgeryHeader = "X-CSRF-TOKEN";
    public const string TelemetryRateLimit = "telemetry";

    /// <summary>The API token a dashboard session was opened with (inside the encrypted cookie), re-checked on every request.</summary>
    public const string SessionTokenItem = "scheduler.api-token";

    public static IHostApplicationBuilder AddAuthServices(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.Configure<AuthOptions>(builder.Configuration.GetSection(AuthOptions.Section));
        var authentication = services.AddAuthentication(DefaultScheme)
            .AddPolicyScheme(DefaultScheme, "Bearer token or dashboard session", options => options.ForwardDefaultSelector = SelectScheme)
            .AddScheme<AuthenticationSchemeOptions, BearerTokenHandler>(BearerTokenHandler.SchemeName, null)
            .AddCookie(CookieScheme, ConfigureSession)
            .AddJwtBearer(JwtScheme, _ => { });
        // A remote scheme sees every request (its callback path), so it exists only when the dashboard has an OIDC client.
        if (builder.Configuration.GetSection(AuthOptions.Section).Get<AuthOptions>()?.Oidc is { Enabled: true, ClientId.Length: > 0 })
        {
            authentication.AddOpenIdConnect(OidcScheme, _ => { });
        }

        // Read when first used, so that hosts and tests may set Scheduler:Auth late.
        services.AddOptions<JwtBearerOptions>(JwtScheme).Configure<IOptions<AuthOptions>>(ConfigureJwt);
        services.AddOptions<OpenIdConnectOptions>(OidcScheme).Configure<IOptions<AuthOptions>>(ConfigureOidc);

        services.AddAuthorizationBuilder()
            .AddPolicy(Permissions.Read, UserPolicy)
            .AddPolicy(Permissions.SubmitJobs, UserPolicy)
            .AddPolicy(Permissions.ManageJobs, UserPolicy)
            .AddPolicy(Permissions.ManageQueue, UserPolicy)
            .AddPolicy(Permissions.ManageQuota, AdminPolicy)
            .AddPolicy(Permissions.ManageTeam, UserPolicy)
            .AddPolicy(Permissions.ManageTokens, UserPolicy)
            .AddPolicy(Permissions.ClusterAdmin, AdminPolicy)
            .AddPolicy(Permissions.Metrics, UserPolicy)
            .AddPolicy(Permissions.PostTelemetry, policy => policy.RequireClaim(SchedulerClaims.Job))
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireClaim(SchedulerClaims.User).Build());
        services.AddScoped<Access>();
        services.AddSingleton<IAuthorizationHandler, TeamPermissionHandler>();
        services.AddSingleton<IAuthorizationHandler, OwnerPermissionHandler>();
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, ForbiddenProblemHandler>();
        services.AddAntiforgery(options =>
        {
            options.HeaderName = AntiforgeryHeader;
            options.Cookie.Name = ".GpuScheduler.Antiforgery";
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        services.AddRateLimiter(options =>
        {
            options.OnRejected = (context, _) => new ValueTask(Problems.WriteAsync(context.HttpContext, StatusCodes.Status429TooManyRequests,
                "Too many requests.", "this job posts telemetry faster than its limit (Scheduler:Auth:TelemetryPerSecond); slow down"));
            options.AddPolicy(TelemetryRateLimit, context =>
            {
                var perSecond = Math.Max(1, context.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value.TelemetryPerSecond);
                return RateLimitPartition.GetTokenBucketLimiter(context.Request.RouteValues["id"] as string ?? string.Empty, _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = 2 * perSecond,
                    TokensPerPeriod = perSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
        });
        return builder;
    }

    /// <summary>Authentication, authorization, the telemetry rate limit and antiforgery for cookie sessions' writes, after routing.</summary>
    public static WebApplication UseAuth(this WebApplication app)
    {
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.Use(RequireAntiforgeryForSessionWrites);
        return app;
    }

    private static void UserPolicy(AuthorizationPolicyBuilder policy) => policy.RequireClaim(SchedulerClaims.User);

    private static void AdminPolicy(AuthorizationPolicyBuilder policy) => policy.RequireClaim(SchedulerClaims.ClusterAdmin);

    /// <summary>Our bearer tokens by their prefix, other bearer tokens as OIDC JWTs (when configured), else the dashboard session.</summary>
    private static string SelectScheme(HttpContext context)
    {
        if (BearerTokenHandler.BearerToken(context.Request) is { } token)
        {
            var oidc = context.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value.Oidc;
            return oidc is { Enabled: true } && !ApiTokenSecrets.LooksLikeToken(token) && !JobTokens.LooksLikeToken(token) ? JwtScheme : BearerTokenHandler.SchemeName;
        }

        return context.Request.Cookies.ContainsKey(SessionCookie) || context.Request.Path.StartsWithSegments("/ui", StringComparison.Ordinal)
            ? CookieScheme
            : BearerTokenHandler.SchemeName;
    }

    private static void ConfigureSession(CookieAuthenticationOptions options)
    {
        options.Cookie.Name = SessionCookie;
        options.Cookie.HttpOnly = true;
        // Secure whenever the dashboard is served over TLS; Lax (not Strict) so the OIDC provider's redirect back signs in.
        options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        options.Cookie.SameSite = SameSiteMode.Lax;
        options.LoginPath = "/ui/sign-in";
        options.LogoutPath = "/ui/sign-out";
        options.ExpireTimeSpan = TimeSpan.FromHours(8);
        options.SlidingExpiration = true;
        options.Events = new CookieAuthenticationEvents
        {
            OnRedirectToLogin = context => IsPage(context.Request) ? Redirect(context) : Challenge(context.HttpContext),
            OnRedirectToAccessDenied = context => IsPage(context.Request)
                ? Redirect(context)
                : Problems.WriteAsync(context.HttpContext, StatusCodes.Status403Forbidden, "Forbidden.", "the signed-in user lacks the permission"),
            OnValidatePrincipal = RevalidateSessionAsync,
        };
    }

    /// <summary>A session opened with an API token lasts only while the token does, with the user's current teams.</summary>
    private static async Task RevalidateSessionAsync(CookieValidatePrincipalContext context)
    {
        if (context.Properties.Items.TryGetValue(SessionTokenItem, out var token) && token is not null)
        {
            var result = await context.HttpContext.RequestServices.GetRequiredService<ISender>().Send(new AuthenticateApiToken(token), context.HttpContext.RequestAborted);
            if (result.Identity is null)
            {
                context.RejectPrincipal();
                await context.HttpContext.SignOutAsync(CookieScheme);
                return;
            }

            context.ReplacePrincipal(new System.Security.Claims.ClaimsPrincipal(SchedulerClaims.ForUser(result.Identity, CookieScheme)));
        }
    }

    private static void ConfigureJwt(JwtBearerOptions options, IOptions<AuthOptions> auth)
    {
        if (auth.Value.Oidc is not { Enabled: true } oidc)
        {
            return;
        }

        options.MapInboundClaims = false;
        options.RequireHttpsMetadata = oidc.RequireHttpsMetadata;
        options.Audience = oidc.Audience;
        options.TokenValidationParameters = new TokenValidationParameters
        {
            ValidateIssuer = true,
            ValidIssuer = oidc.Issuer ?? oidc.Authority,
            ValidateAudience = true,
            ValidAudience = oidc.Audience,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = true,
            ClockSkew = TimeSpan.FromSeconds(30),
            NameClaimType = oidc.UserClaim,
        };
        if (!string.IsNullOrEmpty(oidc.Authority))
        {
            options.Authority = oidc.Authority;
        }
        else
        {
            options.ConfigurationManager = new ConfigurationManager<OpenIdConnectConfiguration>(
                oidc.JwksUri!, new JwksRetriever(), new HttpDocumentRetriever { RequireHttps = oidc.RequireHttpsMetadata });
        }

        options.Events = new JwtBearerEvents
        {
            OnTokenValidated = context =>
            {
                if (OidcClaims.Map(context.Principal, oidc, JwtScheme) is { } identity)
                {
                    context.Principal = new System.Security.Claims.ClaimsPrincipal(identity);
                }
                else
                {
                    context.Fail($"the token has no '{oidc.UserClaim}' claim");
                }

                return Task.CompletedTask;
            },
            OnChallenge = async context =>
            {
                context.HandleResponse();
                context.Response.Headers.WWWAuthenticate = $"Bearer realm=\"{BearerTokenHandler.Realm}\", error=\"invalid_token\"";
                await Problems.WriteAsync(context.HttpContext, StatusCodes.Status401Unauthorized, "Authentication required.",
                    $"the bearer token was refused: {context.AuthenticateFailure?.GetType().Name ?? "no token"}");
            },
        };
    }

    private static void ConfigureOidc(OpenIdConnectOptions options, IOptions<AuthOptions> auth)
    {
        if (auth.Value.Oidc is not { Enabled: true, ClientId: { Length: > 0 } } oidc)
        {
            return;
        }

        options.Authority = oidc.Authority;
        options.ClientId = oidc.ClientId;
        options.ClientSecret = oidc.ClientSecret;
        options.RequireHttpsMetadata = oidc.RequireHttpsMetadata;
        options.ResponseType = "code";
        options.UsePkce = true;
        options.CallbackPath = "/ui/signin-oidc";
        options.SignInScheme = CookieScheme;
        options.MapInboundClaims = false;
        options.Scope.Add("profile");
        options.Events = new OpenIdConnectEvents
        {
            OnTokenValidated = context =>
            {
                if (OidcClaims.Map(context.Principal, oidc, CookieScheme) is { } identity)
                {
                    context.Principal = new System.Security.Claims.ClaimsPrincipal(identity);
                }
                else
                {
                    context.Fail($"the identity token has no '{oidc.UserClaim}' claim");
                }

                return Task.CompletedTask;
            },
        };
    }

    private static async Task RequireAntiforgeryForSessionWrites(HttpContext context, RequestDelegate next)
    {
        var method = context.Request.Method;
        var write = !(HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method));
        if (write
            && context.Request.Path.StartsWithSegments("/api", StringComparison.Ordinal)
            && BearerTokenHandler.BearerToken(context.Request) is null
            && context.Request.Cookies.ContainsKey(SessionCookie)
            && !await context.RequestServices.GetRequiredService<IAntiforgery>().IsRequestValidAsync(context))
        {
            await Problems.WriteAsync(context, StatusCodes.Status400BadRequest, "The request is not valid.",
                $"{AntiforgeryHeader} must carry the dashboard's antiforgery token for a write made with the session cookie");
            return;
        }

        await next(context);
    }

    private static bool IsPage(HttpRequest request) => request.Path.StartsWithSegments("/ui", StringComparison.Ordinal);

    private static Task Redirect(RedirectContext<CookieAuthenticationOptions> context)
    {
        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }

    private static Task Challenge(HttpContext context)
    {
        context.Response.Headers.WWWAuthenticate = $"Bearer realm=\"{BearerTokenHandler.Realm}\"";
        return Problems.WriteAsync(context, StatusCodes.Status401Unauthorized, "Authentication required.",
            "the dashboard session ended; sign in again at /ui/sign-in or send Authorization: Bearer <token>");
    }
}

/// <summary><c>/metrics</c> open (the default) or bearer-protected, by <c>Scheduler:Auth:Metrics</c>.</summary>
internal static class MetricsAccessExtensions
{
    public static IEndpointConventionBuilder WithMetricsAccess(this IEndpointConventionBuilder metrics, IConfiguration configuration)
    {
        var access = configuration.GetSection(AuthOptions.Section).Get<AuthOptions>()?.Metrics ?? MetricsAccess.Open;
        return access == MetricsAccess.Bearer ? metrics.RequireAuthorization(Permissions.Metrics) : metrics.AllowAnonymous();
    }
}
