using System.Text.Json.Nodes;
using Scheduler.Charts.Tests.Infrastructure;

namespace Scheduler.Charts.Tests;

public sealed class NetworkPolicyTests(ChartTools tools)
{
    [Fact]
    public async Task Control_plane_accepts_only_its_http_port_and_reaches_only_dns_the_api_server_and_the_database()
    {
        var policy = (await tools.Renderer.RenderAsync(ValueSet.Default)).Single("NetworkPolicy", ChartRenderer.FullName);

        Assert.Equal(["Ingress", "Egress"], policy.At("spec.policyTypes").Strings());
        Assert.Equal("control-plane", (string?)policy.At("spec.podSelector.matchLabels")!["app.kubernetes.io/component"]);
        var ingress = Assert.Single(policy.At("spec.ingress")!.AsArray());
        Assert.Equal(["http"], Ports(ingress));
        Assert.Equal(
            ["53/UDP,53/TCP", "443/TCP,6443/TCP", "5432/TCP"],
            policy.At("spec.egress")!.AsArray().Select(rule => string.Join(',', PortsWithProtocol(rule))));
    }

    [Fact]
    public async Task Known_api_server_and_database_addresses_narrow_the_egress()
    {
        var policy = (await tools.Renderer.RenderAsync(ValueSet.ExternalDb)).Single("NetworkPolicy", ChartRenderer.FullName);
        var egress = policy.At("spec.egress")!.AsArray();

        Assert.Equal("10.0.0.1/32", (string?)egress[1].At("to[0].ipBlock.cidr"));
        Assert.Equal(["443"], Ports(egress[1]));
        Assert.Equal("10.20.0.0/16", (string?)egress[2].At("to[0].ipBlock.cidr"));
    }

    [Fact]
    public async Task With_the_bundled_database_only_the_control_plane_and_migrations_reach_it()
    {
        var chart = await tools.Renderer.RenderAsync(ValueSet.BundledDb);
        var controlPlane = chart.Single("NetworkPolicy", ChartRenderer.FullName);
        var database = chart.Single("NetworkPolicy", $"{ChartRenderer.FullName}-postgresql");

        var toDatabase = controlPlane.At("spec.egress")!.AsArray()[2];
        Assert.Equal("postgresql", (string?)toDatabase.At("to[0].podSelector.matchLabels")!["app.kubernetes.io/component"]);
        Assert.Equal(["Ingress", "Egress"], database.At("spec.policyTypes").Strings());
        Assert.Null(database.At("spec.egress"));
        var components = database.At("spec.ingress[0].from[0].podSelector.matchExpressions")!.AsArray()
            .Single(e => (string?)e.At("key") == "app.kubernetes.io/component").At("values").Strings();
        Assert.Equal(["control-plane", "migrations"], components);
        Assert.Equal(["postgresql"], Ports(database.At("spec.ingress[0]")!));
    }

    [Fact]
    public async Task Policies_can_be_turned_off_for_clusters_without_a_policy_engine()
    {
        var chart = await tools.Renderer.RenderAsync(ValueSet.HaOff);

        Assert.Empty(chart.OfKind("NetworkPolicy"));
    }

    private static IEnumerable<string> Ports(JsonNode? rule) =>
        rule!.At("ports")!.AsArray().Select(p => p!.At("port")!.ToString());

    private static IEnumerable<string> PortsWithProtocol(JsonNode? rule) =>
        rule!.At("ports")!.AsArray().Select(p => $"{p.At("port")}/{p.At("protocol")}");
}
