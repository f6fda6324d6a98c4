using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Scheduler.Domain.Jobs;
using Scheduler.Persistence.Idempotency;

namespace Scheduler.Persistence.Configurations;

internal sealed class IdempotencyRecordConfiguration : IEntityTypeConfiguration<IdempotencyRecord>
{
    public void Configure(EntityTypeBuilder<IdempotencyRecord> builder)
    {
        builder.ToTable("idempotency_keys");
        builder.HasKey(k => k.Key).HasName(ConstraintNames.IdempotencyKey);
        builder.Property(k => k.Key).HasMaxLength(IdempotencyRecord.MaxKeyLength);
        builder.HasOne<Job>().WithMany().HasForeignKey(k => k.JobId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(k => k.ExpiresAt);
    }
}
