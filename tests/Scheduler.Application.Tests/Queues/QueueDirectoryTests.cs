using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Scheduler.Application.Queues;
using Scheduler.Domain.Queues;
using Scheduler.Persistence;
using Scheduler.Persistence.Queues;

namespace Scheduler.Application.Tests.Queues;

public sealed class QueueDirectoryTests(SchedulerFixture fixture) : IClassFixture<SchedulerFixture>
{
    private static QueueSpec Spec(string defaultPriorityClass) =>
        new() { NominalQuota = new Dictionary<string, int> { ["A100-80GB"] = 8 }, DefaultPriorityClass = defaultPriorityClass };

    [Fact]
    public async Task A_change_made_elsewhere_is_seen_once_the_cached_queue_expires()
    {
        var ct = TestContext.Current.CancellationToken;
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var directory = new QueueDirectory(clock);
        await using (var setup = fixture.NewDbContext())
        {
            setup.Queues.Add(new JobQueue("elsewhere", Spec("low"), clock.GetUtcNow()));
            await setup.SaveChangesAsync(ct);
        }

        // From the fixture's services: the queue query is compiled against their model.
        await using var scope = fixture.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SchedulerDbContext>();
        Assert.Equal("low", (await directory.FindAsync(db, "elsewhere", ct))!.Spec.DefaultPriorityClass);
        await using (var other = fixture.NewDbContext())
        {
            // Another replica's PUT: this directory is not told.
            var queue = other.Queues.Single(q => q.Name == "elsewhere");
            queue.Replace(Spec("high"), clock.GetUtcNow());
            await other.SaveChangesAsync(ct);
        }

        Assert.Equal("low", (await directory.FindAsync(db, "elsewhere", ct))!.Spec.DefaultPriorityClass);
        clock.Advance(QueueDirectory.Lifetime);
        Assert.Equal("high", (await directory.FindAsync(db, "elsewhere", ct))!.Spec.DefaultPriorityClass);
    }

    [Fact]
    public async Task An_unknown_queue_is_not_remembered()
    {
        var ct = TestContext.Current.CancellationToken;
        var directory = new QueueDirectory(TimeProvider.System);
        await using var scope = fixture.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SchedulerDbContext>();
        Assert.Null(await directory.FindAsync(db, "created-later", ct));

        db.Queues.Add(new JobQueue("created-later", Spec("normal"), DateTimeOffset.UtcNow));
        await db.SaveChangesAsync(ct);

        Assert.NotNull(await directory.FindAsync(db, "created-later", ct));
    }
}
