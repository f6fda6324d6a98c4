using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Specs;

namespace Scheduler.Persistence.Configurations;

/// <summary>The TrainingJob a job came from, stored in the job's row (all columns null for REST jobs).</summary>
internal static class JobOriginConfiguration
{
    // Kubernetes object names may be DNS subdomains; UIDs are UUIDs.
    private const int MaxObjectNameLength = 253;
    private const int MaxUidLength = 64;

    public static void Configure(OwnedNavigationBuilder<Job, JobOrigin> origin)
    {
        origin.Property(o => o.Namespace).HasMaxLength(JobSpecLimits.MaxNameLength).HasColumnName("origin_namespace");
        origin.Property(o => o.Name).HasMaxLength(MaxObjectNameLength).HasColumnName("origin_name");
        origin.Property(o => o.Uid).HasMaxLength(MaxUidLength).HasColumnName("origin_uid");
        origin.Property(o => o.Generation).HasColumnName("origin_generation");
        // The sync finds a resource's jobs by its uid.
        origin.HasIndex(o => o.Uid).HasDatabaseName("ix_jobs_origin_uid");
    }
}
