using Npgsql;
using Scheduler.Application.Jobs;
using Scheduler.Application.Scheduling;
using Scheduler.Domain.Jobs;
using Scheduler.Operator.Store;
using Scheduler.Operator.Tests.Loop;
using static Scheduler.Testing.Builders.JobSpecBuilder;

namespace Scheduler.Operator.Tests.Store;

/// <summary>
/// The incremental snapshot against PostgreSQL: after any sequence of writes, the cache brought up to date with only the
/// changed rows selects exactly what a full read (<see cref="ListActiveJobs"/>) selects, and a write whose transaction was
/// still open when a read began is seen by the next read.
/// </summary>
public sealed class ActiveJobCacheTests : IAsyncLifetime
{
    private OperatorHarness _harness = null!;

    public async ValueTask InitializeAsync()
    {
        _harness = await OperatorHarness.StartAsync("active-job-cache", a100Nodes: 0);
        await _harness.PutQueueAsync(new Dictionary<string, int> { ["A100-80GB"] = 16 });
    }

    public ValueTask DisposeAsync() => _harness.DisposeAsync();

    [Fact]
    public async Task Incremental_reads_select_what_a_full_read_selects_through_submissions_holds_admissions_and_ends()
    {
        var cache = new ActiveJobCache();
        await ReadAsync(cache);
        Assert.Equal(1, cache.FullReads);

        var first = await _harness.SubmitAsync(AJob("first").Build());
        var second = await _harness.SubmitAsync(AJob("second").Build());
        var held = await _harness.SubmitAsync(AJob("held").Held().Build());
        var later = await _harness.SubmitAsync(AJob("later").NotBefore(DateTimeOffset.UtcNow.AddDays(1)).Build());
        var array = await _harness.SubmitAsync(AJob("sweep").Array(3, parallelism: 1).Build());
        await AssertSameAsFullReadAsync(cache, first.Id, second.Id, array.Id);
        Assert.DoesNotContain(held.Id, await IdsAsync(cache));
        Assert.DoesNotContain(later.Id, await IdsAsync(cache));

        var admitted = await _harness.AdmitAsync(new AdmitJob(first.Id, first.Version, [new JobPodPlacement(0, "node-0", [0], 1000, 0, 0)], "default", "placed by the test"));
        await _harness.ControlAsync(new HoldJob(second.Id, "alice"));
        await _harness.ControlAsync(new ReleaseJob(held.Id, "alice"));
        await AssertSameAsFullReadAsync(cache, first.Id, held.Id);
        Assert.DoesNotContain(second.Id, await IdsAsync(cache));

        await _harness.TransitionAsync(admitted.Id, JobState.Running);
        await _harness.CancelAsync(held.Id);
        await AssertSameAsFullReadAsync(cache, first.Id);
        Assert.DoesNotContain(held.Id, await IdsAsync(cache));
        Assert.Equal(1, cache.FullReads);
    }

    [Fact]
    public async Task A_write_still_uncommitted_when_a_read_begins_is_seen_by_the_next_read()
    {
        var cache = new ActiveJobCache();
        var job = await _harness.SubmitAsync(AJob("slow-writer").Build());
        await ReadAsync(cache);

        await using var connection = new NpgsqlConnection(_harness.Database.ConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using (var transaction = await connection.BeginTransactionAsync(TestContext.Current.CancellationToken))
        {
            await using var update = new NpgsqlCommand("UPDATE jobs SET pending_reason = 'written late' WHERE id = @id", connection, transaction);
            update.Parameters.AddWithValue("id", job.Id);
            Assert.Equal(1, await update.ExecuteNonQueryAsync(TestContext.Current.CancellationToken));

            // A read while the transaction is open cannot see the write, and another write commits meanwhile.
            await _harness.ControlAsync(new HoldJob((await _harness.SubmitAsync(AJob("other").Build())).Id, "alice"));
            var during = await ReadAsync(cache);
            Assert.NotEqual("written late", during.Single(j => j.Id == job.Id).PendingReason);
            await transaction.CommitAsync(TestContext.Current.CancellationToken);
        }

        var after = await ReadAsync(cache);
        Assert.Equal("written late", after.Single(j => j.Id == job.Id).PendingReason);
        Assert.Equal(1, cache.FullReads);
    }

    [Fact]
    public async Task The_whole_table_is_read_again_when_asked_and_every_so_many_reads()
    {
        var cache = new ActiveJobCache();
        await ReadAsync(cache);
        cache.ReadAllNext();
        await ReadAsync(cache);
        Assert.Equal(2, cache.FullReads);

        for (var i = 0; i < ActiveJobCache.FullReadEvery; i++)
        {
            await ReadAsync(cache);
        }

        Assert.Equal(2, cache.FullReads);
        await ReadAsync(cache);
        Assert.Equal(3, cache.FullReads);
    }

    private async Task<IReadOnlyList<ActiveJob>> ReadAsync(ActiveJobCache cache)
    {
        cache.Apply(await _harness.SendAsync(new ReadJobChanges(cache.Since)));
        return cache.Select(DateTimeOffset.UtcNow);
    }

    private async Task<IReadOnlyList<Guid>> IdsAsync(ActiveJobCache cache) => (await ReadAsync(cache)).Select(j => j.Id).ToList();

    /// <summary>The cache, after an incremental read, holds every job a full read lists, at the same version, in the same order.</summary>
    private async Task AssertSameAsFullReadAsync(ActiveJobCache cache, params Guid[] expected)
    {
        var cached = await ReadAsync(cache);
        var full = await _harness.SendAsync(new ListActiveJobs());
        Assert.Equal(full.Select(j => (j.Id, j.State, j.Version, j.PendingReason)), cached.Select(j => (j.Id, j.State, j.Version, j.PendingReason)));
        Assert.All(expected, id => Assert.Contains(id, cached.Select(j => j.Id)));
    }
}
