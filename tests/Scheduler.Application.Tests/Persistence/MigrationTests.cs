using Microsoft.EntityFrameworkCore;

namespace Scheduler.Application.Tests.Persistence;

public sealed class MigrationTests(SchedulerFixture fixture) : IClassFixture<SchedulerFixture>
{
    [Fact]
    public void Model_has_no_changes_that_lack_a_migration()
    {
        using var db = fixture.NewDbContext();
        Assert.False(db.Database.HasPendingModelChanges(), "The model changed: add a migration (dotnet ef migrations add <Name> --project migrations --startup-project migrations --output-dir .).");
    }

    [Fact]
    public async Task Every_migration_is_applied_to_a_fresh_database()
    {
        await using var db = fixture.NewDbContext();
        Assert.Empty(await db.Database.GetPendingMigrationsAsync(TestContext.Current.CancellationToken));
        Assert.NotEmpty(await db.Database.GetAppliedMigrationsAsync(TestContext.Current.CancellationToken));
    }
}
