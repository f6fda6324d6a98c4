using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Specs;
using Scheduler.Persistence.Queues;

namespace Scheduler.Persistence.Configurations;

internal sealed class JobConfiguration : IEntityTypeConfiguration<Job>
{
    // Final states, spelled as stored; the partial unique index covers the others.
    private const string ActiveFilter = "state NOT IN ('Succeeded', 'Failed', 'Cancelled')";

    public void Configure(EntityTypeBuilder<Job> builder)
    {
        builder.ToTable("jobs");
        builder.HasKey(j => j.Id);
        builder.Property(j => j.Id).ValueGeneratedNever();
        builder.Property(j => j.Name).HasMaxLength(JobSpecLimits.MaxNameLength);
        builder.Property(j => j.Queue).HasMaxLength(JobSpecLimits.MaxNameLength);
        builder.Property(j => j.PriorityClass).HasMaxLength(JobSpecLimits.MaxNameLength);
        builder.Property(j => j.State).HasConversion<string>().HasMaxLength(16);
        builder.Property(j => j.Reason).HasMaxLength(1024);
        builder.Property(j => j.Version).IsConcurrencyToken();
        builder.Property(j => j.Spec).HasJsonbConversion();
        builder.OwnsOne(j => j.Origin, JobOriginConfiguration.Configure);
        builder.Property(j => j.SubmittedBy).HasMaxLength(Identity.User.MaxNameLength);

        // The operator's scheduling state (OperatorState migration).
        builder.Property(j => j.Namespace).HasMaxLength(63);
        builder.Property(j => j.Placement).HasJsonbConversion();
        builder.Property(j => j.PendingReason).HasMaxLength(1024);

        // Job control (JobControl migration): who holds a queued job.
        builder.Property(j => j.HeldBy).HasMaxLength(Identity.User.MaxNameLength);

        builder.HasMany(j => j.Events).WithOne().HasForeignKey(e => e.JobId).OnDelete(DeleteBehavior.Cascade);
        builder.Navigation(j => j.Events).UsePropertyAccessMode(PropertyAccessMode.Field);
        builder.HasOne<JobQueue>().WithMany().HasForeignKey(j => j.Queue).OnDelete(DeleteBehavior.Restrict);

        builder.HasIndex(j => new { j.Queue, j.Name }).IsUnique().HasFilter(ActiveFilter).HasDatabaseName(ConstraintNames.ActiveJobName);
        // Keyset pagination: oldest first, overall, per queue and per state.
        builder.HasIndex(j => new { j.CreatedAt, j.Id });
        builder.HasIndex(j => new { j.Queue, j.CreatedAt, j.Id });
        builder.HasIndex(j => new { j.State, j.CreatedAt, j.Id });
        // An array's tasks (listing, cancelling, dependencies on the array), oldest first (JobArrays migration).
        builder.HasIndex(j => new { j.ArrayId, j.CreatedAt, j.Id }).HasFilter("array_id IS NOT NULL");
    }
}
