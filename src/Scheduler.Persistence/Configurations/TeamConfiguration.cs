using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Scheduler.Domain.Specs;
using Scheduler.Persistence.Identity;

namespace Scheduler.Persistence.Configurations;

internal sealed class TeamConfiguration : IEntityTypeConfiguration<Team>
{
    public void Configure(EntityTypeBuilder<Team> builder)
    {
        builder.ToTable("teams");
        builder.HasKey(t => t.Name).HasName(ConstraintNames.TeamName);
        builder.Property(t => t.Name).HasMaxLength(JobSpecLimits.MaxNameLength);
    }
}
