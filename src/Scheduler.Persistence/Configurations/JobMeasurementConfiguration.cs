using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Scheduler.Domain.Jobs;
using Scheduler.Persistence.Admission;

namespace Scheduler.Persistence.Configurations;

internal sealed class JobMeasurementConfiguration : IEntityTypeConfiguration<JobMeasurement>
{
    public void Configure(EntityTypeBuilder<JobMeasurement> builder)
    {
        builder.ToTable("job_measurements");
        builder.HasKey(m => m.JobId).HasName(JobMeasurement.KeyName);
        builder.Property(m => m.JobId).ValueGeneratedNever();
        builder.Property(m => m.Device).HasMaxLength(32);
        builder.Property(m => m.PeakMemoryGiB).HasColumnName("peak_memory_gib");
        builder.Property(m => m.ExitReason).HasMaxLength(256);
        // Two samples of one job folded at once: the loser's save fails and it folds again on the fresh row.
        builder.Property(m => m.Samples).IsConcurrencyToken();
        builder.HasOne<Job>().WithOne().HasForeignKey<JobMeasurement>(m => m.JobId).OnDelete(DeleteBehavior.Cascade);
    }
}
