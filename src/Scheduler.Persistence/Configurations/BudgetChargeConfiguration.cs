using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Specs;
using Scheduler.Persistence.Admission;
using Scheduler.Persistence.Queues;

namespace Scheduler.Persistence.Configurations;

internal sealed class BudgetChargeConfiguration : IEntityTypeConfiguration<BudgetCharge>
{
    public void Configure(EntityTypeBuilder<BudgetCharge> builder)
    {
        builder.ToTable("budget_charges");
        builder.HasKey(c => c.JobId);
        builder.Property(c => c.JobId).ValueGeneratedNever();
        builder.Property(c => c.Queue).HasMaxLength(JobSpecLimits.MaxNameLength);
        builder.Property(c => c.HoldReason).HasMaxLength(1024);
        builder.Ignore(c => c.IsHeld);
        builder.Property(c => c.Revision).IsConcurrencyToken();
        builder.HasOne<Job>().WithOne().HasForeignKey<BudgetCharge>(c => c.JobId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<JobQueue>().WithMany().HasForeignKey(c => c.Queue).OnDelete(DeleteBehavior.Restrict);
        // A period's usage: the queue's charges since the period began.
        builder.HasIndex(c => new { c.Queue, c.ChargedAt });
    }
}
