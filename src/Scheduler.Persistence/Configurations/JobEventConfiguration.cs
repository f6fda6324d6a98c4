using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Scheduler.Domain.Jobs;

namespace Scheduler.Persistence.Configurations;

internal sealed class JobEventConfiguration : IEntityTypeConfiguration<JobEvent>
{
    public void Configure(EntityTypeBuilder<JobEvent> builder)
    {
        builder.ToTable("job_events");
        // (job, sequence) is unique by construction: the sequence is the job's version after the change.
        builder.HasKey(e => new { e.JobId, e.Sequence }).HasName(ConstraintNames.JobEventKey);
        builder.Property(e => e.From).HasConversion<string>().HasMaxLength(16).HasColumnName("from_state");
        builder.Property(e => e.To).HasConversion<string>().HasMaxLength(16).HasColumnName("to_state");
        builder.Property(e => e.Reason).HasMaxLength(1024);
    }
}
