using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Scheduler.Domain.Jobs;
using Scheduler.Persistence.Admission;

namespace Scheduler.Persistence.Configurations;

internal sealed class JobEstimateRecordConfiguration : IEntityTypeConfiguration<JobEstimateRecord>
{
    public void Configure(EntityTypeBuilder<JobEstimateRecord> builder)
    {
        builder.ToTable("job_estimates");
        builder.HasKey(e => e.JobId);
        builder.Property(e => e.JobId).ValueGeneratedNever();
        builder.Property(e => e.EstimateJson).HasColumnType("jsonb").HasColumnName("estimate");
        builder.Property(e => e.GpuType).HasMaxLength(64);
        builder.Property(e => e.MemoryPerGpuGiB).HasColumnName("memory_per_gpu_gib");
        builder.Property(e => e.MfuSource).HasMaxLength(64);
        builder.HasOne<Job>().WithOne().HasForeignKey<JobEstimateRecord>(e => e.JobId).OnDelete(DeleteBehavior.Cascade);
    }
}
