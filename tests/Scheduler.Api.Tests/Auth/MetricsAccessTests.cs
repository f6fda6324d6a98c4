using System.Net;
using Microsoft.AspNetCore.Hosting;

namespace Scheduler.Api.Tests.Auth;

/// <summary>The installation that protects <c>/metrics</c> with bearer tokens (<c>Scheduler:Auth:Metrics: Bearer</c>).</summary>
public sealed class BearerMetricsApiFactory : ApiFactory
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder!.UseSetting("Scheduler:Auth:Metrics", "Bearer");
    }
}

public sealed class MetricsAccessTests(BearerMetricsApiFactory api) : IClassFixture<BearerMetricsApiFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Bearer_protected_metrics_need_a_users_token()
    {
        using var anonymous = api.ClientAs(null);
        using var jobToken = api.ClientAs(api.JobToken(Guid.NewGuid(), 1));
        using var user = api.CreateClient();

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/metrics", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await jobToken.GetAsync("/metrics", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await user.GetAsync("/metrics", Ct)).StatusCode);
        // The probes stay open whatever /metrics does.
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/healthz", Ct)).StatusCode);
    }
}
