using Microsoft.EntityFrameworkCore;
using Scheduler.Domain.Jobs;
using Scheduler.Persistence.Admission;
using Scheduler.Persistence.Idempotency;
using Scheduler.Persistence.Identity;
using Scheduler.Persistence.Queues;

namespace Scheduler.Persistence;

/// <summary>The scheduler's PostgreSQL store. Table and column names are snake_case; one configuration class per entity.</summary>
public sealed class SchedulerDbContext(DbContextOptions<SchedulerDbContext> options) : DbContext(options)
{
    public DbSet<Job> Jobs => Set<Job>();

    public DbSet<JobEvent> JobEvents => Set<JobEvent>();

    public DbSet<JobQueue> Queues => Set<JobQueue>();

    public DbSet<IdempotencyRecord> IdempotencyKeys => Set<IdempotencyRecord>();

    public DbSet<JobEstimateRecord> JobEstimates => Set<JobEstimateRecord>();

    public DbSet<TelemetryRecord> Telemetry => Set<TelemetryRecord>();

    public DbSet<JobMeasurement> JobMeasurements => Set<JobMeasurement>();

    public DbSet<BudgetCharge> BudgetCharges => Set<BudgetCharge>();

    public DbSet<MfuSampleRecord> MfuSamples => Set<MfuSampleRecord>();

    public DbSet<User> Users => Set<User>();

    public DbSet<Team> Teams => Set<Team>();

    public DbSet<TeamMember> TeamMembers => Set<TeamMember>();

    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();

    public DbSet<AuditEntry> AuditLog => Set<AuditEntry>();

    public DbSet<ControlPlane.ControlPlaneRecord> ControlPlane => Set<ControlPlane.ControlPlaneRecord>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(SchedulerDbContext).Assembly);
}
