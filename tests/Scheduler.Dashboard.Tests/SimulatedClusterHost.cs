using Microsoft.AspNetCore.Hosting;

namespace Scheduler.Dashboard.Tests;

/// <summary>
/// The control plane as <c>make run</c> starts it: the operator loop against the built-in simulated cluster (one node of
/// 8 A100-80GB, real-time clock so jobs stay running while a test looks), leader election and short cycles.
/// </summary>
public sealed class SimulatedClusterHost : DashboardHost
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("dashboard-simulated").FullName;

    protected override void ConfigureCluster(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseSetting("Scheduler:DataDir", _dataDir);
        builder.UseSetting("Scheduler:Kubernetes:Mode", "Simulated");
        builder.UseSetting("Scheduler:Kubernetes:Simulated:Nodes:A100-80GB", "1");
        builder.UseSetting("Scheduler:Kubernetes:Simulated:ClockSpeed", "1");
        builder.UseSetting("Scheduler:Intervals:SchedulingCycle", "00:00:00.2");
        builder.UseSetting("Scheduler:Kubernetes:LeaderElection:RetryPeriod", "00:00:00.2");
    }
}
