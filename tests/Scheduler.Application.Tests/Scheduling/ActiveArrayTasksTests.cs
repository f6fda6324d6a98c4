using Scheduler.Application.Jobs;
using Scheduler.Application.Scheduling;
using Scheduler.Testing.Builders;

namespace Scheduler.Application.Tests.Scheduling;

/// <summary>The cycle's input on real PostgreSQL: an array's queued tasks are read a window at a time, lowest index first.</summary>
public sealed class ActiveArrayTasksTests(SchedulerFixture fixture) : IClassFixture<SchedulerFixture>
{
    [Fact]
    public async Task The_cycle_reads_only_the_first_queued_tasks_of_an_array_and_moves_on_as_they_leave_the_queue()
    {
        await fixture.EnsureQueueAsync("array-window");
        var count = ListActiveJobs.ArrayTasksPerCycle + 200;
        var submitted = await fixture.SendAsync(new SubmitJob(JobSpecBuilder.AJob("window").InQueue("array-window").Array(count, 10).Build()));
        Assert.True(submitted.IsSuccess, submitted.Failure?.ToString());
        var arrayId = submitted.Value.Job.ArrayId!.Value;

        var first = await TasksAsync(arrayId);
        await using (var db = fixture.NewDbContext())
        {
            foreach (var task in db.Jobs.Where(j => j.ArrayId == arrayId && j.ArrayIndex < 10).Select(j => j.Id).ToList())
            {
                Assert.True((await fixture.SendAsync(new CancelJob(task))).IsSuccess);
            }
        }

        var second = await TasksAsync(arrayId);

        Assert.Equal(Enumerable.Range(0, ListActiveJobs.ArrayTasksPerCycle), first);
        Assert.Equal(Enumerable.Range(10, ListActiveJobs.ArrayTasksPerCycle), second);
    }

    private async Task<IEnumerable<int>> TasksAsync(Guid arrayId) =>
        (await fixture.QueryAsync(new ListActiveJobs())).Where(j => j.ArrayId == arrayId).Select(j => j.ArrayIndex!.Value).Order().ToList();
}
