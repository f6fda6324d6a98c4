using Microsoft.EntityFrameworkCore;
using Scheduler.Admission.Calibration;
using Scheduler.Application.Admission;
using Scheduler.Application.Common;
using Scheduler.Application.Jobs;
using Scheduler.Application.Scheduling;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Workloads;
using Scheduler.Testing.Builders;

namespace Scheduler.Application.Tests.Admission;

/// <summary>Telemetry samples for tests: the trainer's payload at a given throughput.</summary>
internal static class Telemetry
{
    /// <param name="exitReason">On a final sample: the trainer's <c>finished</c> unless given.</param>
    public static TelemetrySample Sample(long step, double tokensPerSecond, string? device = "cuda", bool final = false, double? peakMemoryGiB = 3.5, string? exitReason = "finished") => new()
    {
        Step = step,
        Tokens = step * 8192,
        Loss = 3.2,
        TokensPerSecond = tokensPerSecond,
        StepSeconds = 8192 / tokensPerSecond,
        AchievedTflops = 40,
        Mfu = 0.13,
        PeakMemoryGiB = peakMemoryGiB,
        LastCheckpointStep = 0,
        Timestamp = WholeSecondsNow(), // the handler refuses timestamps far from its clock, which is the real one here
        Device = device,
        WorldSize = 1,
        Final = final,
        ExitReason = final ? exitReason : null,
    };

    /// <summary>Now, to the second: PostgreSQL keeps microseconds, the clock ticks in 100 ns.</summary>
    private static DateTimeOffset WholeSecondsNow()
    {
        var now = DateTimeOffset.UtcNow;
        return now.AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond));
    }

    /// <summary>
    /// Submits a small job and posts a warm-up, a steady and a final sample at <paramref name="tokensPerSecond"/>, the final
    /// one with <paramref name="exitReason"/>.
    /// </summary>
    public static async Task<JobDetails> RunAsync(SchedulerFixture fixture, string name, double tokensPerSecond, string device, string? exitReason = "finished")
    {
        var job = (await fixture.SendAsync(new SubmitJob(JobSpecBuilder.AJob(name).Build()))).Value!.Job;
        await fixture.SendAsync(new RecordTelemetry(job.Id, Sample(10, tokensPerSecond / 3, device)));
        await fixture.SendAsync(new RecordTelemetry(job.Id, Sample(20, tokensPerSecond, device)));
        await fixture.SendAsync(new RecordTelemetry(job.Id, Sample(30, tokensPerSecond, device, final: true, exitReason: exitReason)));
        return job;
    }

    /// <summary>What the operator does when the trainer exits 0: admitted, running, then Succeeded (only such jobs calibrate).</summary>
    public static async Task SucceedAsync(SchedulerFixture fixture, Guid jobId)
    {
        var job = (await fixture.QueryAsync(new GetJob(jobId))).Value!;
        var admitted = await fixture.SendAsync(new AdmitJob(jobId, job.Version, [new JobPodPlacement(0, "node-a", [0], 1000, 0, 0)], "training", "placed"));
        Assert.True(admitted.IsSuccess, admitted.Failure?.Title);
        Assert.True((await fixture.SendAsync(new TransitionJob(jobId, JobState.Running, "started"))).IsSuccess);
        Assert.True((await fixture.SendAsync(new TransitionJob(jobId, JobState.Succeeded, "finished"))).IsSuccess);
    }
}

public sealed class TelemetryTests(SchedulerFixture fixture) : IClassFixture<SchedulerFixture>, IAsyncLifetime
{
    public ValueTask InitializeAsync() => new(fixture.EnsureQueueAsync("research"));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Samples_fold_into_the_jobs_measured_progress()
    {
        var job = (await fixture.SendAsync(new SubmitJob(JobSpecBuilder.AJob("measured").Build()))).Value!.Job;

        await fixture.SendAsync(new RecordTelemetry(job.Id, Telemetry.Sample(10, 40_000, peakMemoryGiB: 4.0)));
        var last = await fixture.SendAsync(new RecordTelemetry(job.Id, Telemetry.Sample(30, 50_000, peakMemoryGiB: 3.0)));

        var measured = (await fixture.QueryAsync(new GetJob(job.Id))).Value!.Measured!;
        Assert.Equal(last.Value, measured);
        Assert.Equal((30L, 30L * 8192, 50_000.0, 4.0, 2, "cuda"), (measured.Step, measured.Tokens, measured.TokensPerSecond, measured.PeakMemoryGiB, measured.Samples, measured.Device));
        // 10 steps at 8192/40000 s, then 20 at 8192/50000 s, on one GPU.
        Assert.Equal(((10 * 8192 / 40_000.0) + (20 * 8192 / 50_000.0)) / 3600, measured.GpuHours, 12);
        await using var db = fixture.NewDbContext();
        Assert.Equal(2, await db.Telemetry.CountAsync(t => t.JobId == job.Id, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Samples_of_one_job_arriving_at_once_are_each_folded_once()
    {
        var job = (await fixture.SendAsync(new SubmitJob(JobSpecBuilder.AJob("racing").Build()))).Value!.Job;

        // Each request has its own scope, as the API's do: the first samples race to create the measurement, the rest to update it.
        var results = await Task.WhenAll(Enumerable.Range(1, 4).Select(i => Task.Run(() => fixture.SendAsync(new RecordTelemetry(job.Id, Telemetry.Sample(i * 10, 40_000))))));

        // Each round of the race stores at least one, so four samples need at most four of the handler's five tries.
        Assert.All(results, r => Assert.True(r.IsSuccess, r.Failure?.Title));
        var measured = (await fixture.QueryAsync(new GetJob(job.Id))).Value!.Measured!;
        await using var db = fixture.NewDbContext();
        Assert.Equal(4, measured.Samples);
        Assert.Equal(4, await db.Telemetry.CountAsync(t => t.JobId == job.Id, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_sample_that_moves_neither_progress_nor_checkpoint_leaves_the_job_row_alone()
    {
        var job = (await fixture.SendAsync(new SubmitJob(JobSpecBuilder.AJob("steady").Build()))).Value!.Job;
        var written = await RowVersionAsync(job.Id);

        // 10 steps of 8,192 tokens of the 1e9 the spec trains: under a thousandth of the run, and no checkpoint yet.
        await fixture.SendAsync(new RecordTelemetry(job.Id, Telemetry.Sample(10, 40_000)));
        Assert.Equal(written, await RowVersionAsync(job.Id));
        Assert.Equal(1, (await fixture.QueryAsync(new GetJob(job.Id))).Value!.Measured!.Samples);

        await fixture.SendAsync(new RecordTelemetry(job.Id, Telemetry.Sample(200, 40_000)));
        Assert.NotEqual(written, await RowVersionAsync(job.Id));
        Assert.Equal(200 * 8192 / 1e9, (await fixture.QueryAsync(new GetJob(job.Id))).Value!.Progress, 12);
    }

    /// <summary>The transaction that last wrote the job's row (PostgreSQL's xmin).</summary>
    private async Task<string> RowVersionAsync(Guid jobId)
    {
        await using var db = fixture.NewDbContext();
        return await db.Database.SqlQuery<string>($"SELECT xmin::text AS \"Value\" FROM jobs WHERE id = {jobId}").SingleAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Telemetry_for_an_unknown_job_is_not_found()
    {
        var result = await fixture.SendAsync(new RecordTelemetry(Guid.NewGuid(), Telemetry.Sample(1, 1000)));

        Assert.Equal(FailureKind.NotFound, result.Failure!.Kind);
    }

    [Fact]
    public async Task Cpu_runs_are_stored_but_never_calibrate()
    {
        for (var i = 0; i < 6; i++)
        {
            await Telemetry.RunAsync(fixture, $"cpu-{i}", 1_000, device: i % 2 == 0 ? "cpu" : "ilgpu-cpu");
        }

        await using var db = fixture.NewDbContext();
        Assert.Equal(0, await db.MfuSamples.CountAsync(TestContext.Current.CancellationToken));
        Assert.Equal(18, await db.Telemetry.CountAsync(t => t.Device!.EndsWith("cpu"), TestContext.Current.CancellationToken));
        var calibration = await fixture.SendAsync(new Recalibrate());
        Assert.Empty(calibration.Entries);
    }
}

public sealed class CalibrationTests(SchedulerFixture fixture) : IClassFixture<SchedulerFixture>, IAsyncLifetime
{
    public ValueTask InitializeAsync() => new(fixture.EnsureQueueAsync("research"));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Finished_gpu_jobs_calibrate_the_mfu_of_the_next_submission()
    {
        var before = (await fixture.SendAsync(new SubmitJob(JobSpecBuilder.AJob("before").Build()))).Value!.Job.Estimate!;
        // Throughput at which the estimator's FLOP count reaches 30% of the A100's bf16 peak (the default MFU is size- and scale-dependent; before.Mfu below).
        var tokensPerSecond = 0.30 * before.Gpus * before.PeakTflopsPerGpu * 1e12 / before.FlopsPerToken;

        for (var i = 0; i < 5; i++)
        {
            var job = await Telemetry.RunAsync(fixture, $"finished-{i}", tokensPerSecond, device: "cuda");
            // Not yet: a final sample teaches nothing until its job succeeded.
            Assert.Equal(i, (await fixture.SendAsync(new Recalibrate())).Samples);
            await Telemetry.SucceedAsync(fixture, job.Id);
        }

        // Calibration refreshes on its own within MfuCalibration.MaxAge; an admin's POST /api/v1/calibration does it now.
        await fixture.SendAsync(new Recalibrate());

        var after = (await fixture.SendAsync(new SubmitJob(JobSpecBuilder.AJob("after").Build()))).Value!.Job.Estimate!;
        Assert.Equal("calibrated (n=5)", after.MfuSource);
        // The estimator's MFU prices the matmuls only (element-wise kernels at memory bandwidth come on top), so the
        // calibrated value is above the plain 30% and the next estimate runs at exactly the measured throughput.
        Assert.Equal(MfuSample.FromThroughput(before, tokensPerSecond).Mfu, after.Mfu, 9);
        Assert.True(after.Mfu > 0.30, $"calibrated MFU {after.Mfu}");
        Assert.Equal(tokensPerSecond, after.Tokens / (after.WallHours * 3600), 6);
        var table = await fixture.QueryAsync(new GetCalibration());
        var entry = Assert.Single(table.Entries);
        Assert.Equal(("A100-80GB", 5), (entry.GpuType, entry.Samples));
    }
}

/// <summary>Which final samples calibrate (a database of their own: the other classes count every sample).</summary>
public sealed class CalibrationSampleTests(SchedulerFixture fixture) : IClassFixture<SchedulerFixture>, IAsyncLifetime
{
    public ValueTask InitializeAsync() => new(fixture.EnsureQueueAsync("research"));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Theory]
    [InlineData("preempted")]
    [InlineData(null)]
    public async Task Only_the_final_sample_of_a_finished_run_becomes_a_calibration_sample(string? exitReason)
    {
        var job = await Telemetry.RunAsync(fixture, $"stopped-{Guid.NewGuid():N}"[..20], 40_000, device: "cuda", exitReason);
        await using var db = fixture.NewDbContext();
        Assert.False(await db.MfuSamples.AnyAsync(s => s.JobId == job.Id, TestContext.Current.CancellationToken));

        // The next attempt resumes and finishes: now the job calibrates.
        await fixture.SendAsync(new RecordTelemetry(job.Id, Telemetry.Sample(40, 40_000, "cuda")));
        await fixture.SendAsync(new RecordTelemetry(job.Id, Telemetry.Sample(50, 40_000, "cuda", final: true)));

        Assert.Equal(1, await db.MfuSamples.CountAsync(s => s.JobId == job.Id, TestContext.Current.CancellationToken));
    }
}
