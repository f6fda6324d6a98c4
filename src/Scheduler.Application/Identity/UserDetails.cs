namespace Scheduler.Application.Identity;

/// <summary>A user as the API shows it: the cluster-admin flag and the teams with roles.</summary>
public sealed record UserDetails(string Name, bool ClusterAdmin, IReadOnlyList<TeamGrant> Teams);
