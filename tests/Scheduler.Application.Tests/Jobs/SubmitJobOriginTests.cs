using Scheduler.Application.Common;
using Scheduler.Application.Jobs;
using Scheduler.Domain.Jobs;
using Scheduler.Testing.Builders;

namespace Scheduler.Application.Tests.Jobs;

/// <summary>Submissions through a TrainingJob: the job remembers its resource, and a name is not shared across origins.</summary>
public sealed class SubmitJobOriginTests(SchedulerFixture fixture) : IClassFixture<SchedulerFixture>, IAsyncLifetime
{
    public ValueTask InitializeAsync() => new(fixture.EnsureQueueAsync("research"));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    private static JobOrigin Origin(string name, long generation = 1, string? uid = null) =>
        new("team-a", name, uid ?? Guid.NewGuid().ToString(), generation);

    [Fact]
    public async Task The_job_keeps_its_origin_and_is_found_by_the_resource_uid()
    {
        var name = UniqueName("crd");
        var origin = Origin(name);

        var submitted = await fixture.SendAsync(new SubmitJob(JobSpecBuilder.AJob(name).Build(), Origin: origin));
        var found = await fixture.QueryAsync(new GetJobsByOrigin(origin.Uid));
        var read = await fixture.QueryAsync(new GetJob(submitted.Value!.Job.Id));

        Assert.Equal(origin, submitted.Value.Job.Origin);
        Assert.Equal(submitted.Value.Job.Id, Assert.Single(found).Id);
        Assert.Equal(origin, read.Value!.Origin);
    }

    [Fact]
    public async Task The_same_resource_resubmitting_at_a_later_generation_gets_its_job_back()
    {
        var name = UniqueName("regen");
        var spec = JobSpecBuilder.AJob(name).Build();
        var first = await fixture.SendAsync(new SubmitJob(spec, Origin: Origin(name, uid: "uid-" + name)));

        var again = await fixture.SendAsync(new SubmitJob(spec, Origin: Origin(name, generation: 2, uid: "uid-" + name)));

        Assert.False(again.Value!.Created);
        Assert.Equal(first.Value!.Job.Id, again.Value.Job.Id);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_active_job_of_that_name_from_elsewhere_is_a_conflict_even_with_the_same_spec(bool firstFromRest)
    {
        var name = UniqueName("taken");
        var spec = JobSpecBuilder.AJob(name).Build();
        await fixture.SendAsync(new SubmitJob(spec, Origin: firstFromRest ? null : Origin(name)));

        var result = await fixture.SendAsync(new SubmitJob(spec, Origin: Origin(name)));

        Assert.Equal(FailureKind.Conflict, result.Failure!.Kind);
        Assert.Contains("another client", Assert.Single(result.Failure.Errors["name"]));
    }

    [Fact]
    public async Task A_rest_resubmission_of_a_resource_job_returns_it_as_before()
    {
        var name = UniqueName("both");
        var spec = JobSpecBuilder.AJob(name).Build();
        var fromResource = await fixture.SendAsync(new SubmitJob(spec, Origin: Origin(name)));

        var fromRest = await fixture.SendAsync(new SubmitJob(spec));

        Assert.Equal(fromResource.Value!.Job.Id, fromRest.Value!.Job.Id);
    }
}
