using Scheduler.Charts.Tests.Infrastructure;

namespace Scheduler.Charts.Tests;

/// <summary>REST jobs' pods run in their own namespace, enforcing the restricted Pod Security Standard, never the release namespace.</summary>
public sealed class JobNamespaceTests(ChartTools tools)
{
    private const string JobNamespace = ChartRenderer.Namespace + "-jobs";

    [Fact]
    public async Task The_chart_creates_the_job_namespace_with_the_restricted_pod_security_labels_and_points_the_scheduler_at_it()
    {
        var chart = await tools.Renderer.RenderAsync(ValueSet.Default);

        var ns = chart.Single("Namespace", JobNamespace);
        Assert.Equal("restricted", ns.Label("pod-security.kubernetes.io/enforce"));
        Assert.Equal("latest", ns.Label("pod-security.kubernetes.io/enforce-version"));
        Assert.Equal("restricted", ns.Label("pod-security.kubernetes.io/warn"));
        Assert.Equal("restricted", ns.Label("pod-security.kubernetes.io/audit"));
        var account = chart.Single("ServiceAccount", "gpu-scheduler-job");
        Assert.Equal(JobNamespace, (string?)account.At("metadata.namespace"));
        Assert.False((bool)account.At("automountServiceAccountToken")!);
        var settings = ConfigurationTests.AppSettings(chart);
        Assert.Equal(JobNamespace, (string?)settings.At("Scheduler.kubernetes.defaultNamespace"));
        Assert.Equal(10001, (int)settings.At("Scheduler.jobPods.runAsUser")!);
        Assert.Equal("gpu-scheduler-job", (string?)settings.At("Scheduler.jobPods.serviceAccount"));
        Assert.Equal(10000, (int)settings.At("Scheduler.limits.maxQueuedJobsPerQueue")!);
    }

    [Fact]
    public async Task The_release_namespace_is_refused_as_the_job_namespace()
    {
        var failure = await tools.Renderer.RenderFailureAsync(ValueSet.Default, "--set", $"scheduler.jobNamespace={ChartRenderer.Namespace}");

        Assert.Contains("must not be the release namespace", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_named_job_namespace_is_used_and_creating_it_can_be_left_to_the_cluster_admin()
    {
        var chart = await tools.Renderer.RenderAsync(ValueSet.Default, "--set", "scheduler.jobNamespace=training", "--set", "scheduler.createJobNamespace=false");

        Assert.Empty(chart.OfKind("Namespace"));
        Assert.Equal("training", (string?)ConfigurationTests.AppSettings(chart).At("Scheduler.kubernetes.defaultNamespace"));
    }
}
