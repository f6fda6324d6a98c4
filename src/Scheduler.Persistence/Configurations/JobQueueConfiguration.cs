using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Scheduler.Domain.Specs;
using Scheduler.Persistence.Identity;
using Scheduler.Persistence.Queues;

namespace Scheduler.Persistence.Configurations;

internal sealed class JobQueueConfiguration : IEntityTypeConfiguration<JobQueue>
{
    public void Configure(EntityTypeBuilder<JobQueue> builder)
    {
        builder.ToTable("queues");
        builder.HasKey(q => q.Name).HasName(ConstraintNames.QueueName);
        builder.Property(q => q.Name).HasMaxLength(JobSpecLimits.MaxNameLength);
        builder.Property(q => q.Spec).HasJsonbConversion();
        builder.Property(q => q.Team).HasMaxLength(JobSpecLimits.MaxNameLength);
        builder.HasOne<Team>().WithMany().HasForeignKey(q => q.Team).OnDelete(DeleteBehavior.Restrict);
    }
}
