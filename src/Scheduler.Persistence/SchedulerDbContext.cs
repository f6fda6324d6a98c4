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

    public DbSet<Notifications.NotificationDelivery> NotificationDeliveries => Set<Notifications.NotificationDelivery>();

    /// <summary>Every save writes the webhook deliveries its job events owe in the same transaction (the outbox).</summary>
    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        Notifications.NotificationOutbox.AddOwedDeliveries(this);
        return base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
    }

    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        Notifications.NotificationOutbox.AddOwedDeliveries(this);
        return base.SaveChanges(acceptAllChangesOnSuccess);
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(SchedulerDbContext).Assembly);
}
