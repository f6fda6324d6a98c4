using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Scheduler.Persistence;

namespace Scheduler.Migrations;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without a host; it never connects.</summary>
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<SchedulerDbContext>
{
    public SchedulerDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<SchedulerDbContext>();
        options.UseScheduler("Host=localhost;Database=scheduler");
        return new SchedulerDbContext(options.Options);
    }
}
