using System.Text.Json.Nodes;
using Scheduler.Charts.Tests.Infrastructure;

namespace Scheduler.Charts.Tests;

/// <summary>The operator's permissions are exactly what it uses (docs/security.md lists each verb and why).</summary>
public sealed class RbacTests(ChartTools tools)
{
    private const string Group = "gpu-scheduler.io";

    /// <summary>(apiGroup, resource) → verbs, the whole ClusterRole.</summary>
    private static readonly Dictionary<(string Group, string Resource), string[]> ExpectedClusterRules = new()
    {
        [("", "nodes")] = ["get", "list", "watch"],
        [("", "pods")] = ["create", "delete", "get", "list", "watch"],
        [("", "pods/binding")] = ["create"],
        [("", "pods/log")] = ["get"],
        [("", "services")] = ["create", "delete", "get", "list", "watch"],
        [("", "namespaces")] = ["get"],
        [("", "events")] = ["create"],
        [(Group, "trainingjobs")] = ["get", "list", "patch", "watch"],
        [(Group, "trainingjobs/status")] = ["get", "patch", "update"],
        [(Group, "gpuqueues")] = ["get", "list", "watch"],
        [(Group, "gpuqueues/status")] = ["get", "patch", "update"],
    };

    [Theory]
    [MemberData(nameof(ValueSet.Names), MemberType = typeof(ValueSet))]
    public async Task Cluster_role_grants_exactly_the_verbs_the_operator_uses(string valueSet)
    {
        var chart = await tools.Renderer.RenderAsync(valueSet);
        var role = OperatorRole(chart);

        var granted = Flatten(role);

        Assert.Equal(
            ExpectedClusterRules.OrderBy(r => r.Key).Select(r => $"{r.Key.Group}:{r.Key.Resource} {string.Join(',', r.Value)}"),
            granted.OrderBy(r => r.Key).Select(r => $"{r.Key.Group}:{r.Key.Resource} {string.Join(',', r.Value.Order(StringComparer.Ordinal))}"));
    }

    /// <summary>
    /// The role grants no `trainingjobs/finalizers: update`, so the control plane must not give the pods it creates
    /// ownerReferences (blockOwnerDeletion needs the finalizers subresource under OwnerReferencesPermissionEnforcement);
    /// it grants core `events: create` only, so no events.k8s.io Events. Scheduler.Simulation plays the kubelet and API
    /// server, not the operator.
    /// </summary>
    [Fact]
    public void Control_plane_code_sets_no_owner_references_and_records_no_events_the_role_does_not_grant()
    {
        string[] needs = ["Eventsv1Event", "OwnerReferences", "V1OwnerReference"];
        var uses = Directory.EnumerateFiles(RepoPaths.InRoot("src"), "*.cs", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(RepoPaths.Root, f).Replace('\\', '/'))
            .Where(f => !f.StartsWith("src/Scheduler.Simulation/", StringComparison.Ordinal) && !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal))
            .SelectMany(f => needs.Where(File.ReadAllText(RepoPaths.InRoot(f)).Contains).Select(n => $"{f}: {n}"))
            .ToList();

        Assert.True(uses.Count == 0, "Grant the permission in templates/rbac.yaml and docs/security.md (and RbacTests) before using it:\n" + string.Join('\n', uses));
    }

    [Fact]
    public async Task No_rule_uses_wildcards_or_touches_secrets()
    {
        var chart = await tools.Renderer.RenderAsync(ValueSet.Default);

        foreach (var role in chart.Manifests.Where(m => m.Kind is "ClusterRole" or "Role"))
        {
            foreach (var rule in role.At("rules")!.AsArray())
            {
                var all = rule.At("apiGroups").Strings().Concat(rule.At("resources").Strings()).Concat(rule.At("verbs").Strings()).ToList();
                Assert.DoesNotContain("*", all);
                Assert.DoesNotContain("secrets", rule.At("resources").Strings());
                Assert.DoesNotContain("escalate", rule.At("verbs").Strings());
                Assert.DoesNotContain("bind", rule.At("verbs").Strings());
                Assert.DoesNotContain("impersonate", rule.At("verbs").Strings());
            }
        }
    }

    [Fact]
    public async Task Leader_election_may_create_any_lease_but_read_and_renew_only_its_own_in_the_release_namespace()
    {
        var chart = await tools.Renderer.RenderAsync(ValueSet.Default);
        var role = chart.Single("Role");

        Assert.Equal(ChartRenderer.Namespace, (string?)role.At("metadata.namespace"));
        var rules = role.At("rules")!.AsArray();
        Assert.Equal(2, rules.Count);
        Assert.All(rules, r => Assert.Equal(["coordination.k8s.io"], r.At("apiGroups").Strings()));
        Assert.All(rules, r => Assert.Equal(["leases"], r.At("resources").Strings()));
        Assert.Equal(["create"], rules[0].At("verbs").Strings());
        Assert.Null(rules[0].At("resourceNames"));
        Assert.Equal(["get", "update"], rules[1].At("verbs").Strings());
        Assert.Equal([$"{ChartRenderer.FullName}-leader"], rules[1].At("resourceNames").Strings());

        var config = ConfigurationTests.AppSettings(chart);
        Assert.Equal($"{ChartRenderer.FullName}-leader", (string?)config.At("Scheduler.kubernetes.leaderElection.leaseName"));
        Assert.Equal(ChartRenderer.Namespace, (string?)config.At("Scheduler.kubernetes.leaderElection.namespace"));
        var identity = PodSpec.Of(chart.Single("Deployment")).Env("control-plane").Single(e => (string?)e.At("name") == "Scheduler__Kubernetes__LeaderElection__Identity");
        Assert.Equal("metadata.name", (string?)identity.At("valueFrom.fieldRef.fieldPath"));
    }

    [Fact]
    public async Task Bindings_give_the_roles_to_the_control_plane_service_account_only()
    {
        var chart = await tools.Renderer.RenderAsync(ValueSet.Default);
        // The job pods' account (in the jobs namespace) is bound to nothing.
        var serviceAccount = chart.Single("ServiceAccount", ChartRenderer.FullName);
        var podServiceAccount = (string?)chart.Single("Deployment").At("spec.template.spec.serviceAccountName");

        Assert.Equal(serviceAccount.Name, podServiceAccount);
        foreach (var binding in chart.Manifests.Where(m => m.Kind is "ClusterRoleBinding" or "RoleBinding"))
        {
            var subject = Assert.Single(binding.At("subjects")!.AsArray());
            Assert.Equal("ServiceAccount", (string?)subject.At("kind"));
            Assert.Equal(serviceAccount.Name, (string?)subject.At("name"));
            Assert.Equal(ChartRenderer.Namespace, (string?)subject.At("namespace"));
            var roleKind = binding.Kind == "RoleBinding" ? "Role" : "ClusterRole";
            Assert.Equal(roleKind, (string?)binding.At("roleRef.kind"));
            Assert.Equal(roleKind == "Role" ? chart.Single(roleKind).Name : OperatorRole(chart).Name, (string?)binding.At("roleRef.name"));
        }
    }

    [Fact]
    public async Task Rbac_can_be_left_to_the_cluster_administrator()
    {
        var chart = await tools.Renderer.RenderAsync(ValueSet.Default, "--set", "rbac.create=false");

        Assert.DoesNotContain(chart.Manifests, m => m.Kind.Contains("Role", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_roles_are_never_granted_to_the_namespace_default_service_account()
    {
        var error = await tools.Renderer.RenderFailureAsync(ValueSet.Default, "--set", "serviceAccount.create=false");
        var named = await tools.Renderer.RenderAsync(ValueSet.Default, "--set", "serviceAccount.create=false", "--set", "serviceAccount.name=gpu-operator");

        Assert.Contains("name the ServiceAccount", error, StringComparison.Ordinal);
        Assert.Equal(["gpu-scheduler-job"], named.OfKind("ServiceAccount").Select(a => a.Name));
        Assert.Equal("gpu-operator", (string?)named.Single("ClusterRoleBinding").At("subjects[0].name"));
        Assert.Equal("gpu-operator", (string?)named.Single("Deployment").At("spec.template.spec.serviceAccountName"));
    }

    [Fact]
    public async Task The_rbac_api_group_is_the_group_of_the_shipped_CRDs()
    {
        var chart = await tools.Renderer.RenderAsync(ValueSet.Default);
        var crdGroups = chart.OfKind("CustomResourceDefinition").Select(c => (string?)c.At("spec.group")).Distinct().ToList();
        if (crdGroups.Count == 0)
        {
            Assert.Skip("No CRDs under charts/gpu-scheduler/templates/crds/ yet; nothing to compare rbac.apiGroup with.");
        }

        Assert.True(
            crdGroups is [Group],
            $"The CRDs declare API group(s) {string.Join(", ", crdGroups)} but the ClusterRole grants {Group}: set rbac.apiGroup in values.yaml (and RbacTests.Group) to the CRDs' group.");
        var kinds = chart.OfKind("CustomResourceDefinition").Select(c => (string?)c.At("spec.names.plural")).Order(StringComparer.Ordinal);
        Assert.Equal(["gpuqueues", "trainingjobs"], kinds);
    }

    [Theory]
    [InlineData("gpu-scheduler-user", new[] { "aggregate-to-edit", "aggregate-to-admin" })]
    [InlineData("gpu-scheduler-viewer", new[] { "aggregate-to-view" })]
    public async Task User_roles_are_aggregated_into_the_built_in_roles_and_bound_to_nobody(string name, string[] aggregatedInto)
    {
        var chart = await tools.Renderer.RenderAsync(ValueSet.Default);
        var role = chart.Single("ClusterRole", name);

        var aggregation = role.Json["metadata"]!["labels"]!.AsObject()
            .Where(l => l.Key.StartsWith("rbac.authorization.k8s.io/", StringComparison.Ordinal))
            .Select(l => (l.Key["rbac.authorization.k8s.io/".Length..], (string?)l.Value))
            .Order();

        Assert.Equal(aggregatedInto.Select(a => (a, (string?)"true")).Order(), aggregation);
        Assert.DoesNotContain(chart.Manifests, m => m.Kind.EndsWith("Binding", StringComparison.Ordinal) && (string?)m.At("roleRef.name") == name);
    }

    [Fact]
    public async Task The_user_role_manages_trainingjobs_and_reads_queues_and_the_viewer_only_reads()
    {
        var chart = await tools.Renderer.RenderAsync(ValueSet.Default);

        var user = Flatten(chart.Single("ClusterRole", "gpu-scheduler-user"));
        var viewer = Flatten(chart.Single("ClusterRole", "gpu-scheduler-viewer"));

        Assert.Equal(
            new Dictionary<(string, string), string[]>
            {
                [(Group, "trainingjobs")] = ["create", "delete", "get", "list", "patch", "update", "watch"],
                [(Group, "gpuqueues")] = ["get", "list", "watch"],
            }.OrderBy(r => r.Key),
            user.ToDictionary(r => r.Key, r => r.Value.Order(StringComparer.Ordinal).ToArray()).OrderBy(r => r.Key));
        Assert.Equal(
            new Dictionary<(string, string), string[]>
            {
                [(Group, "trainingjobs")] = ["get", "list", "watch"],
                [(Group, "gpuqueues")] = ["get", "list", "watch"],
            }.OrderBy(r => r.Key),
            viewer.ToDictionary(r => r.Key, r => r.Value.Order(StringComparer.Ordinal).ToArray()).OrderBy(r => r.Key));
        Assert.DoesNotContain(user.Keys.Concat(viewer.Keys), k => k.Resource.Contains('/', StringComparison.Ordinal)); // no status writes
    }

    [Fact]
    public async Task User_roles_can_be_left_out_for_a_second_release()
    {
        var chart = await tools.Renderer.RenderAsync(ValueSet.Default, "--set", "rbac.userRoles=false");

        Assert.Equal([ChartRenderer.FullName], chart.OfKind("ClusterRole").Select(r => r.Name));
    }

    /// <summary>The control plane's own ClusterRole (the others are the user-facing aggregated ones).</summary>
    private static Manifest OperatorRole(RenderedChart chart) => chart.Single("ClusterRole", ChartRenderer.FullName);

    private static Dictionary<(string Group, string Resource), string[]> Flatten(Manifest role)
    {
        var rules = new Dictionary<(string, string), string[]>();
        foreach (var rule in role.At("rules")!.AsArray().OfType<JsonObject>())
        {
            foreach (var group in rule.At("apiGroups").Strings())
            {
                foreach (var resource in rule.At("resources").Strings())
                {
                    Assert.True(rules.TryAdd((group, resource), [.. rule.At("verbs").Strings()]), $"{group}:{resource} appears in two rules of {role}");
                }
            }
        }

        return rules;
    }
}
