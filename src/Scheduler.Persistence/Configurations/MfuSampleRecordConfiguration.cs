using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Scheduler.Domain.Jobs;
using Scheduler.Persistence.Admission;

namespace Scheduler.Persistence.Configurations;

internal sealed class MfuSampleRecordConfiguration : IEntityTypeConfiguration<MfuSampleRecord>
{
    public void Configure(EntityTypeBuilder<MfuSampleRecord> builder)
    {
        builder.ToTable("mfu_samples");
        builder.HasKey(s => s.JobId).HasName(MfuSampleRecord.KeyName);
        builder.Property(s => s.JobId).ValueGeneratedNever();
        builder.Property(s => s.GpuType).HasMaxLength(64);
        builder.HasOne<Job>().WithOne().HasForeignKey<MfuSampleRecord>(s => s.JobId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(s => s.RecordedAt);
    }
}
