using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Scheduler.Api.Tests.Apis;

public sealed class AccountingApiTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Theory]
    [InlineData("/api/v1/accounting/jobs?from=soon", "from")]
    [InlineData("/api/v1/accounting/jobs?from=2026-02-01&to=2026-01-01", "to")]
    [InlineData("/api/v1/accounting/jobs?state=Sleeping", "state")]
    [InlineData("/api/v1/accounting/jobs?limit=0", "limit")]
    [InlineData("/api/v1/accounting/jobs?offset=-1", "offset")]
    [InlineData("/api/v1/accounting/usage?by=owner", "by")]
    [InlineData("/api/v1/accounting/usage?period=fortnight", "period")]
    [InlineData("/api/v1/accounting/usage?from=2024-01-01&to=2026-01-01", "from")]
    public async Task A_bad_filter_is_a_400_problem_naming_the_field(string url, string field)
    {
        using var client = api.CreateClient();

        var response = await client.GetAsync(url, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), problem.RootElement.ToString());
    }

    [Theory]
    [InlineData("/api/v1/accounting/jobs", "id,name,queue,state,")]
    [InlineData("/api/v1/accounting/usage?period=week", "queue,period_start,gpu_type,gpu_hours,")]
    public async Task Accept_text_csv_answers_csv_with_a_header(string url, string header)
    {
        using var client = api.CreateClient();
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));

        var response = await client.GetAsync(url, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith(header, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }
}
