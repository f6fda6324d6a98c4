using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Scheduler.Persistence.ControlPlane;

namespace Scheduler.Persistence.Configurations;

internal sealed class ControlPlaneRecordConfiguration : IEntityTypeConfiguration<ControlPlaneRecord>
{
    public void Configure(EntityTypeBuilder<ControlPlaneRecord> builder)
    {
        builder.ToTable("control_plane", table => table.HasCheckConstraint("ck_control_plane_single_row", $"id = {ControlPlaneRecord.SingletonId}"));
        builder.HasKey(c => c.Id);
        builder.Property(c => c.Id).ValueGeneratedNever();
        builder.Property(c => c.LeaderIdentity).HasMaxLength(253);
    }
}
