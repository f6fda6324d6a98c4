using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Npgsql;
using Scheduler.Application;
using Scheduler.Testing.Builders;
using Scheduler.Testing.Postgres;

namespace Scheduler.Api.Tests.Http;

/// <summary>PostgreSQL going away under a running host (a relay taken down in front of it), then coming back.</summary>
public sealed class DatabaseOutageTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private TestDatabase? _real;
    private OutageProxy? _proxy;
    private ApiFactory? _api;

    private ApiFactory Api => _api!;

    private OutageProxy Proxy => _proxy!;

    public async ValueTask InitializeAsync()
    {
        _real = await PostgresServer.CreateDatabaseAsync("outage");
        var server = new NpgsqlConnectionStringBuilder(await PostgresServer.ConnectionStringAsync());
        _proxy = OutageProxy.Start(server.Host!, server.Port);
        var relayed = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Host = "127.0.0.1", Port = _proxy.Port }.ConnectionString;
        _api = new ApiFactory { ExistingDatabase = new TestDatabase(relayed, _real.Name) };
        await _api.InitializeAsync();
        await _api.PutQueueAsync("research");
    }

    public async ValueTask DisposeAsync()
    {
        if (_api is not null)
        {
            await _api.DisposeAsync();
        }

        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }

        if (_real is not null)
        {
            await _real.DisposeAsync();
        }
    }

    [Fact]
    public async Task Requests_that_need_the_database_answer_503_with_retry_after_while_probes_stay_up_and_nothing_is_written()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = Api.CreateClient();
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("/api/v1/jobs", Job("before"), ct)).StatusCode);
        // A token the host has not seen yet: its lookup needs the database during the outage (the cache holds the admin's).
        using var stranger = Api.ClientAs(await Api.Services.CreateAdminTokenAsync("second-admin", "tests", ct));
        var before = await Api.RowCountsAsync();

        await Proxy.DownAsync();
        try
        {
            foreach (var response in new[]
                     {
                         await client.PostAsync("/api/v1/jobs", Job("during"), ct),
                         await client.GetAsync("/api/v1/jobs", ct),
                         await stranger.GetAsync("/api/v1/jobs", ct),
                     })
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
                using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
                Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty("database", out _));
            }

            // Probes carry no credentials (a token's lookup would need the database).
            using var probe = Api.ClientAs(null);
            Assert.Equal(HttpStatusCode.OK, (await probe.GetAsync("/healthz", ct)).StatusCode);
            var ready = await probe.GetAsync("/readyz", ct);
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            Assert.Equal("Degraded", await ready.Content.ReadAsStringAsync(ct));
        }
        finally
        {
            Proxy.Up();
        }

        Assert.Equal(before, await Api.RowCountsAsync());
    }

    [Fact]
    public async Task The_host_serves_again_by_itself_when_the_database_returns()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = Api.CreateClient();
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("/api/v1/jobs", Job("first"), ct)).StatusCode);
        await Proxy.DownAsync();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.PostAsync("/api/v1/jobs", Job("second"), ct)).StatusCode);

        Proxy.Up();

        // Connections the outage broke may still sit in the pool; each failed use drops one. No restart, no intervention.
        var until = DateTimeOffset.UtcNow + Deadline;
        HttpStatusCode status;
        do
        {
            status = (await client.PostAsync("/api/v1/jobs", Job("second"), ct)).StatusCode;
        }
        while (status == HttpStatusCode.ServiceUnavailable && DateTimeOffset.UtcNow < until && await Pause(ct));

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("Healthy", await (await client.GetAsync("/readyz", ct)).Content.ReadAsStringAsync(ct));
        Assert.Equal(2, (await Api.RowCountsAsync())["jobs"]);
    }

    private static async Task<bool> Pause(CancellationToken ct)
    {
        await Task.Delay(TimeSpan.FromMilliseconds(100), ct);
        return true;
    }

    private static StringContent Job(string name) =>
        new(JobSpecBuilder.AJob(name).InQueue("research").ToJson(), Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
}
