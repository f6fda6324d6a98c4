using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Scheduler.Domain.Jobs;
using Scheduler.Persistence.Admission;

namespace Scheduler.Persistence.Configurations;

internal sealed class TelemetryRecordConfiguration : IEntityTypeConfiguration<TelemetryRecord>
{
    public void Configure(EntityTypeBuilder<TelemetryRecord> builder)
    {
        builder.ToTable("job_telemetry");
        builder.HasKey(t => t.Id);
        builder.Property(t => t.Id).UseIdentityAlwaysColumn();
        builder.Property(t => t.Device).HasMaxLength(32);
        builder.Property(t => t.PeakMemoryGiB).HasColumnName("peak_memory_gib");
        builder.Property(t => t.ExitReason).HasMaxLength(256);
        builder.HasOne<Job>().WithMany().HasForeignKey(t => t.JobId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(t => new { t.JobId, t.Id });
    }
}
