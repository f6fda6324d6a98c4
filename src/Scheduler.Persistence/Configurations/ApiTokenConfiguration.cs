using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Scheduler.Persistence.Identity;

namespace Scheduler.Persistence.Configurations;

internal sealed class ApiTokenConfiguration : IEntityTypeConfiguration<ApiToken>
{
    public void Configure(EntityTypeBuilder<ApiToken> builder)
    {
        builder.ToTable("api_tokens");
        builder.HasKey(t => t.Id);
        builder.Property(t => t.Id).ValueGeneratedNever();
        builder.Property(t => t.Label).HasMaxLength(ApiToken.MaxLabelLength);
        builder.Property(t => t.Hash).HasMaxLength(32);
        builder.HasIndex(t => t.Hash).IsUnique().HasDatabaseName(ApiToken.HashIndexName);
        builder.HasIndex(t => t.User);
        builder.HasOne<User>().WithMany().HasForeignKey(t => t.User).OnDelete(DeleteBehavior.Cascade);
    }
}
