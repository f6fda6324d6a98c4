using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Specs;
using Scheduler.Persistence.Notifications;

namespace Scheduler.Persistence.Configurations;

internal sealed class NotificationDeliveryConfiguration : IEntityTypeConfiguration<NotificationDelivery>
{
    public void Configure(EntityTypeBuilder<NotificationDelivery> builder)
    {
        builder.ToTable("notification_deliveries");
        builder.HasKey(d => d.Id);
        builder.Property(d => d.Id).ValueGeneratedNever();
        builder.HasOne<Job>().WithMany().HasForeignKey(d => d.JobId).OnDelete(DeleteBehavior.Cascade);
        // One delivery per event and webhook, however often a save is retried.
        builder.HasIndex(d => new { d.JobId, d.Sequence, d.Url }).IsUnique();
        // The worker's claim: undelivered rows by due time.
        builder.HasIndex(d => d.NextAttemptAt).HasFilter("delivered_at IS NULL AND gave_up_at IS NULL");
        builder.Property(d => d.Url).HasMaxLength(JobSpecLimits.MaxNotifyUrlLength);
        builder.Property(d => d.Event).HasMaxLength(16);
        builder.Property(d => d.Reason).HasMaxLength(1024);
        builder.Property(d => d.LastError).HasMaxLength(1024);
    }
}
