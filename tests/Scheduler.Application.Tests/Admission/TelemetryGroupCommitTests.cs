using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Scheduler.Application.Admission;
using Scheduler.Application.Common;
using Scheduler.Application.Jobs;
using Scheduler.Persistence.Admission;
using Scheduler.Testing.Builders;

namespace Scheduler.Application.Tests.Admission;

/// <summary>Samples of many trainers share transactions (<see cref="TelemetryWriter"/>, <see cref="FoldedTelemetryWrite"/>); each still gets its own answer.</summary>
public sealed class TelemetryGroupCommitTests(SchedulerFixture fixture) : IClassFixture<SchedulerFixture>, IAsyncLifetime
{
    public ValueTask InitializeAsync() => new(fixture.EnsureQueueAsync("research"));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private TelemetryWriter Writer => fixture.Services.GetRequiredService<TelemetryWriter>();

    private async Task<List<Guid>> SubmitAsync(string prefix, int count) =>
        [.. (await Task.WhenAll(Enumerable.Range(0, count).Select(i =>
            fixture.SendAsync(new SubmitJob(JobSpecBuilder.AJob($"{prefix}-{i}-{Guid.NewGuid():N}"[..30]).Build()))))).Select(r => r.Value!.Job.Id)];

    [Fact]
    public async Task One_statement_stores_measurements_samples_and_progress_and_leaves_a_job_folded_meanwhile_alone()
    {
        var ct = TestContext.Current.CancellationToken;
        var ids = await SubmitAsync("direct", 3);
        var (fresh, measured, raced) = (ids[0], ids[1], ids[2]);
        await fixture.SendAsync(new RecordTelemetry(measured, Telemetry.Sample(10, 40_000)));
        await fixture.SendAsync(new RecordTelemetry(raced, Telemetry.Sample(10, 40_000)));
        await using var db = fixture.NewDbContext();
        var read = await db.JobMeasurements.AsNoTracking().Where(m => m.JobId == measured || m.JobId == raced).ToDictionaryAsync(m => m.JobId, ct);
        // Another sample of "raced" is folded after the read: the group's fold of it is stale.
        await fixture.SendAsync(new RecordTelemetry(raced, Telemetry.Sample(20, 40_000)));
        var clock = DateTimeOffset.UtcNow;
        var now = clock.AddTicks(-(clock.Ticks % 10)); // PostgreSQL keeps microseconds
        var folds = new List<FoldedMeasurement>();
        var samples = new List<TelemetryRecord>();
        foreach (var (id, measurement) in new[] { (fresh, new JobMeasurement(fresh)), (measured, read[measured]), (raced, read[raced]) })
        {
            var samplesBefore = measurement.Samples == 0 ? (int?)null : measurement.Samples;
            var sample = RecordTelemetryHandler.Record(new RecordTelemetry(id, Telemetry.Sample(200, 50_000) with { LastCheckpointStep = 100 }), now);
            measurement.Add(sample, 1);
            folds.Add(new FoldedMeasurement(measurement, samplesBefore));
            samples.Add(sample);
        }

        var written = await FoldedTelemetryWrite.For(db.Model).ExecuteAsync(
            db, folds, samples, [.. ids.Select(id => new JobProgressUpdate(id, 0.25, 100))], now, ct);

        // Ids of jobs submitted together need not sort in submission order: compare as sets.
        Assert.Equal(new HashSet<Guid> { fresh, measured }, written);
        var stored = await db.JobMeasurements.AsNoTracking().Where(m => ids.Contains(m.JobId)).ToDictionaryAsync(m => m.JobId, ct);
        Assert.Equal((200L, 1, 50_000.0), (stored[fresh].Step, stored[fresh].Samples, stored[fresh].TokensPerSecond));
        Assert.Equal(200 * 8192 / 50_000.0 / 3600, stored[fresh].GpuHours, 12);
        Assert.Equal((200L, 2, 100L), (stored[measured].Step, stored[measured].Samples, stored[measured].LastCheckpointStep));
        Assert.Equal((20L, 2), (stored[raced].Step, stored[raced].Samples)); // as the other writer left it
        var counts = await db.Telemetry.Where(t => ids.Contains(t.JobId)).GroupBy(t => t.JobId).ToDictionaryAsync(g => g.Key, g => g.Count(), ct);
        Assert.Equal((1, 2, 2), (counts[fresh], counts[measured], counts[raced]));
        var jobs = await db.Jobs.AsNoTracking().Where(j => ids.Contains(j.Id)).ToDictionaryAsync(j => j.Id, ct);
        Assert.All([fresh, measured], id => Assert.Equal((0.25, 100L, now), (jobs[id].Progress, jobs[id].LastCheckpointStep, jobs[id].LastCheckpointAt)));
        Assert.Equal((0.0, (long?)0), (jobs[raced].Progress, jobs[raced].LastCheckpointStep ?? 0));
    }

    [Fact]
    public async Task Samples_posted_together_by_many_trainers_are_each_folded_once_with_their_own_answers()
    {
        var ids = await SubmitAsync("many", 3 * TelemetryWriter.MaxGroupSize / 2);

        var first = await Task.WhenAll(ids.Select(id => Writer.TryFoldAsync(new RecordTelemetry(id, Telemetry.Sample(10, 40_000)), TestContext.Current.CancellationToken)));
        var second = await Task.WhenAll(ids.Select(id => Writer.TryFoldAsync(new RecordTelemetry(id, Telemetry.Sample(200, 50_000)), TestContext.Current.CancellationToken)));

        // One sample per job per round: no two writers race for a job, so every sample is written by its group.
        Assert.All(first, r => Assert.Equal((10L, 1), (r!.Value.Value!.Step, r.Value.Value.Samples)));
        Assert.All(second, r => Assert.Equal((200L, 2), (r!.Value.Value!.Step, r.Value.Value.Samples)));
        await using var db = fixture.NewDbContext();
        var ct = TestContext.Current.CancellationToken;
        Assert.Equal(2 * ids.Count, await db.Telemetry.CountAsync(t => ids.Contains(t.JobId), ct));
        var measured = await db.JobMeasurements.AsNoTracking().Where(m => ids.Contains(m.JobId)).ToListAsync(ct);
        Assert.All(measured, m => Assert.Equal(((10 * 8192 / 40_000.0) + (190 * 8192 / 50_000.0)) / 3600, m.GpuHours, 12));
        // 200 steps of 8,192 tokens of the spec's 1e9: the job's progress moved past the resolution and was stored.
        var progress = await db.Jobs.AsNoTracking().Where(j => ids.Contains(j.Id)).Select(j => j.Progress).ToListAsync(ct);
        Assert.All(progress, p => Assert.Equal(200 * 8192 / 1e9, p, 12));
    }

    [Fact]
    public async Task A_group_answers_each_refused_sample_why_and_stores_the_others()
    {
        var ids = await SubmitAsync("refused", 2);
        var unknown = Guid.NewGuid();

        var answers = await Task.WhenAll(
            Writer.TryFoldAsync(new RecordTelemetry(ids[0], Telemetry.Sample(10, 40_000), Attempt: 3), TestContext.Current.CancellationToken),
            Writer.TryFoldAsync(new RecordTelemetry(unknown, Telemetry.Sample(10, 40_000)), TestContext.Current.CancellationToken),
            Writer.TryFoldAsync(new RecordTelemetry(ids[1], Telemetry.Sample(10, 40_000)), TestContext.Current.CancellationToken));

        Assert.Equal((FailureKind.Conflict, "attempt"), (answers[0]!.Value.Failure!.Kind, answers[0]!.Value.Failure!.Errors.Keys.Single()));
        Assert.Equal(FailureKind.NotFound, answers[1]!.Value.Failure!.Kind);
        Assert.Equal(1, answers[2]!.Value.Value!.Samples);
        await using var db = fixture.NewDbContext();
        Assert.Equal([ids[1]], await db.Telemetry.Where(t => ids.Contains(t.JobId)).Select(t => t.JobId).ToListAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Samples_of_one_job_folded_alone_at_the_same_time_are_each_stored_once()
    {
        var ct = TestContext.Current.CancellationToken;
        var job = (await SubmitAsync("alone", 1))[0];

        // Four handlers without the group writer: each reads the job, and a write the others made stale is read and tried again.
        var answers = await Task.WhenAll(Enumerable.Range(1, 4).Select(i => Task.Run(async () =>
        {
            await using var scope = fixture.Services.CreateAsyncScope();
            var handler = new RecordTelemetryHandler(
                scope.ServiceProvider.GetRequiredService<Scheduler.Persistence.SchedulerDbContext>(),
                scope.ServiceProvider.GetRequiredService<MfuCalibration>(),
                TimeProvider.System);
            return await handler.Handle(new RecordTelemetry(job, Telemetry.Sample(i * 10, 40_000)), ct);
        }, ct)));

        Assert.All(answers, a => Assert.True(a.IsSuccess, a.Failure?.ToString()));
        Assert.Equal([1, 2, 3, 4], answers.Select(a => a.Value!.Samples).Order());
        await using var db = fixture.NewDbContext();
        Assert.Equal(4, await db.Telemetry.CountAsync(t => t.JobId == job, ct));
        Assert.Equal(4, (await db.JobMeasurements.SingleAsync(m => m.JobId == job, ct)).Samples);
    }
}
