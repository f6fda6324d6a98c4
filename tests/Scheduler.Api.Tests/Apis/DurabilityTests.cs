using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Scheduler.Application.Jobs;
using Scheduler.Domain.Jobs;
using Scheduler.Testing.Builders;
using Scheduler.Testing.Postgres;

namespace Scheduler.Api.Tests.Apis;

public sealed class DurabilityTests
{
    [Fact]
    public async Task A_new_host_on_the_same_database_finds_every_job_and_its_events()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await PostgresServer.CreateDatabaseAsync("durability");
        var submitted = new List<JobDetails>();

        await using (var first = new ApiFactory { ExistingDatabase = database })
        {
            await first.InitializeAsync();
            await first.PutQueueAsync("research");
            using var client = first.CreateClient();
            for (var i = 0; i < 10; i++)
            {
                var body = new StringContent(JobSpecBuilder.AJob($"durable-{i}").ToJson(), Encoding.UTF8, "application/json");
                var response = await client.PostAsync("/api/v1/jobs", body, ct);
                submitted.Add((await response.Content.ReadFromJsonAsync<JobDetails>(JsonSerializerOptions.Web, ct))!);
            }

            await client.DeleteAsync($"/api/v1/jobs/{submitted[0].Id}", ct);
        }

        await using var second = new ApiFactory { ExistingDatabase = database };
        await second.InitializeAsync();
        using var again = second.CreateClient();
        var listed = (await again.GetFromJsonAsync<JobPage>("/api/v1/jobs?limit=500", JsonSerializerOptions.Web, ct))!;

        Assert.Equal(submitted.Select(j => j.Id), listed.Items.Select(j => j.Id));
        Assert.Equal(submitted.Skip(1), listed.Items.Skip(1));
        var events = (await again.GetFromJsonAsync<List<JobEventDetails>>($"/api/v1/jobs/{submitted[0].Id}/events", JsonSerializerOptions.Web, ct))!;
        Assert.Equal([JobState.Queued, JobState.Cancelled], events.Select(e => e.To));
        foreach (var job in submitted.Skip(1))
        {
            var history = (await again.GetFromJsonAsync<List<JobEventDetails>>($"/api/v1/jobs/{job.Id}/events", JsonSerializerOptions.Web, ct))!;
            Assert.Equal(JobState.Queued, Assert.Single(history).To);
        }
    }
}
