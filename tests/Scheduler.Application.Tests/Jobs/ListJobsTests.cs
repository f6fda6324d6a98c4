using Scheduler.Application.Common;
using Scheduler.Application.Jobs;
using Scheduler.Domain.Jobs;
using Scheduler.Testing.Builders;

namespace Scheduler.Application.Tests.Jobs;

public sealed class ListJobsTests(SchedulerFixture fixture) : IClassFixture<SchedulerFixture>
{
    [Fact]
    public async Task Pages_through_every_job_of_a_queue_oldest_first_without_repeats()
    {
        await fixture.EnsureQueueAsync("paging");
        var submitted = new List<Guid>();
        for (var i = 0; i < 7; i++)
        {
            submitted.Add((await fixture.SendAsync(new SubmitJob(JobSpecBuilder.AJob($"page-{i}").InQueue("paging").Build()))).Value!.Job.Id);
        }

        var seen = new List<Guid>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await fixture.QueryAsync(new ListJobs(Queue: "paging", Limit: 3, Cursor: cursor));
            seen.AddRange(page.Items.Select(j => j.Id));
            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(3, pages);
        Assert.Equal(submitted, seen);
    }

    [Fact]
    public async Task Filters_by_state()
    {
        await fixture.EnsureQueueAsync("filtering");
        var kept = (await fixture.SendAsync(new SubmitJob(JobSpecBuilder.AJob("kept").InQueue("filtering").Build()))).Value!.Job;
        var cancelled = (await fixture.SendAsync(new SubmitJob(JobSpecBuilder.AJob("gone").InQueue("filtering").Build()))).Value!.Job;
        await fixture.SendAsync(new CancelJob(cancelled.Id));

        var queued = await fixture.QueryAsync(new ListJobs(Queue: "filtering", State: JobState.Queued));

        Assert.Equal([kept.Id], queued.Items.Select(j => j.Id));
        Assert.Null(queued.NextCursor);
    }

    [Theory]
    [InlineData(0, null, "limit")]
    [InlineData(501, null, "limit")]
    [InlineData(10, "not-a-cursor!", "cursor")]
    public async Task Refuses_bad_paging_arguments(int limit, string? cursor, string field)
    {
        var ex = await Assert.ThrowsAsync<RequestValidationException>(() => fixture.QueryAsync(new ListJobs(Limit: limit, Cursor: cursor)));
        Assert.Contains(ex.Errors, e => e.Field == field);
    }
}
