using System.Text.Json;
using Scheduler.Domain.Queues;
using Scheduler.Domain.Specs;

namespace Scheduler.Domain.Tests.Queues;

public sealed class QueueNamespacesTests
{
    private static readonly Dictionary<string, string> TeamA = new()
    {
        [QueueNamespaces.NameLabel] = "team-a",
        ["team"] = "research",
        ["tier"] = "gold",
    };

    private static QueueSpec Bound(string[]? names = null, string? selectorJson = null) => new()
    {
        NominalQuota = new Dictionary<string, int> { ["A100-80GB"] = 8 },
        Namespaces = names,
        NamespaceSelector = selectorJson is null ? null : JsonSerializer.Deserialize<NamespaceSelector>(selectorJson, JobSpecJson.Options),
    };

    [Fact]
    public void A_queue_with_neither_list_nor_selector_admits_no_namespace()
    {
        Assert.False(QueueNamespaces.Admits(Bound(), "team-a", TeamA));
        Assert.False(QueueNamespaces.Admits(Bound(names: []), "default", new Dictionary<string, string>()));
        Assert.Contains("no namespace", QueueNamespaces.Describe(Bound()), StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_selector_admits_every_namespace()
    {
        Assert.True(QueueNamespaces.Admits(Bound(selectorJson: "{}"), "anything", new Dictionary<string, string>()));
    }

    [Fact]
    public void The_list_admits_exactly_the_namespaces_it_names_whatever_their_labels()
    {
        var spec = Bound(names: ["team-a", "team-c"]);

        Assert.True(QueueNamespaces.AdmitsByName(spec, "team-a"));
        Assert.True(QueueNamespaces.Admits(spec, "team-c", new Dictionary<string, string>()));
        Assert.False(QueueNamespaces.Admits(spec, "team-b", TeamA));
        Assert.False(QueueNamespaces.Admits(spec, "Team-A", TeamA)); // names are case-sensitive, as Kubernetes' are
    }

    [Theory]
    [InlineData("""{ "matchLabels": { "team": "research" } }""", true)]
    [InlineData("""{ "matchLabels": { "team": "research", "tier": "gold" } }""", true)]
    [InlineData("""{ "matchLabels": { "team": "research", "tier": "silver" } }""", false)]
    [InlineData("""{ "matchLabels": { "team": "" } }""", false)]
    [InlineData("""{ "matchLabels": { "kubernetes.io/metadata.name": "team-a" } }""", true)]
    [InlineData("""{ "matchExpressions": [ { "key": "team", "operator": "In", "values": ["vision", "research"] } ] }""", true)]
    [InlineData("""{ "matchExpressions": [ { "key": "team", "operator": "In", "values": ["vision"] } ] }""", false)]
    [InlineData("""{ "matchExpressions": [ { "key": "owner", "operator": "In", "values": ["x"] } ] }""", false)]
    [InlineData("""{ "matchExpressions": [ { "key": "team", "operator": "NotIn", "values": ["vision"] } ] }""", true)]
    [InlineData("""{ "matchExpressions": [ { "key": "team", "operator": "NotIn", "values": ["research"] } ] }""", false)]
    [InlineData("""{ "matchExpressions": [ { "key": "owner", "operator": "NotIn", "values": ["x"] } ] }""", true)]
    [InlineData("""{ "matchExpressions": [ { "key": "tier", "operator": "Exists" } ] }""", true)]
    [InlineData("""{ "matchExpressions": [ { "key": "owner", "operator": "Exists" } ] }""", false)]
    [InlineData("""{ "matchExpressions": [ { "key": "owner", "operator": "DoesNotExist" } ] }""", true)]
    [InlineData("""{ "matchExpressions": [ { "key": "tier", "operator": "DoesNotExist" } ] }""", false)]
    [InlineData("""{ "matchLabels": { "team": "research" }, "matchExpressions": [ { "key": "tier", "operator": "In", "values": ["gold"] }, { "key": "frozen", "operator": "DoesNotExist" } ] }""", true)]
    [InlineData("""{ "matchLabels": { "team": "research" }, "matchExpressions": [ { "key": "tier", "operator": "NotIn", "values": ["gold"] } ] }""", false)]
    public void The_selector_follows_kubernetes_label_selector_semantics(string selector, bool admitted)
    {
        Assert.Equal(admitted, QueueNamespaces.Admits(Bound(selectorJson: selector), "team-a", TeamA));
    }

    [Fact]
    public void A_namespace_is_admitted_by_the_list_or_the_selector()
    {
        var spec = Bound(names: ["team-z"], selectorJson: """{ "matchLabels": { "team": "research" } }""");

        Assert.True(QueueNamespaces.Admits(spec, "team-z", new Dictionary<string, string>()));
        Assert.True(QueueNamespaces.Admits(spec, "team-a", TeamA));
        Assert.False(QueueNamespaces.Admits(spec, "team-b", new Dictionary<string, string> { ["team"] = "vision" }));
        Assert.Equal("namespaces team-z or namespaceSelector team=research", QueueNamespaces.Describe(spec));
    }

    [Fact]
    public void A_long_list_is_described_by_its_first_ten_names()
    {
        var spec = Bound(names: [.. Enumerable.Range(0, 25).Select(i => $"ns-{i}")]);

        Assert.Equal("namespaces ns-0, ns-1, ns-2, ns-3, ns-4, ns-5, ns-6, ns-7, ns-8, ns-9 and 15 more", QueueNamespaces.Describe(spec));
    }

    [Fact]
    public void A_valid_binding_has_no_errors()
    {
        var spec = Bound(names: ["team-a"], selectorJson: """
            { "matchLabels": { "example.com/team": "research", "empty": "" },
              "matchExpressions": [ { "key": "tier", "operator": "In", "values": ["gold", "silver"] }, { "key": "frozen", "operator": "DoesNotExist" } ] }
            """);

        Assert.Empty(QueueNamespaces.Check(spec));
    }

    [Theory]
    [InlineData("""["Team_A"]""", null, "namespaces[0]")]
    [InlineData("""["ok", ""]""", null, "namespaces[1]")]
    [InlineData(null, """{ "matchLabels": { "bad key!": "x" } }""", "namespaceSelector.matchLabels.bad key!")]
    [InlineData(null, """{ "matchLabels": { "team": "not a value" } }""", "namespaceSelector.matchLabels.team")]
    [InlineData(null, """{ "matchLabels": { "Example.com/team": "x" } }""", "namespaceSelector.matchLabels.Example.com/team")]
    [InlineData(null, """{ "matchExpressions": [ { "operator": "Exists" } ] }""", "namespaceSelector.matchExpressions[0].key")]
    [InlineData(null, """{ "matchExpressions": [ { "key": "team" } ] }""", "namespaceSelector.matchExpressions[0].operator")]
    [InlineData(null, """{ "matchExpressions": [ { "key": "team", "operator": "In" } ] }""", "namespaceSelector.matchExpressions[0].values")]
    [InlineData(null, """{ "matchExpressions": [ { "key": "team", "operator": "NotIn", "values": [] } ] }""", "namespaceSelector.matchExpressions[0].values")]
    [InlineData(null, """{ "matchExpressions": [ { "key": "team", "operator": "Exists", "values": ["x"] } ] }""", "namespaceSelector.matchExpressions[0].values")]
    [InlineData(null, """{ "matchExpressions": [ { "key": "team", "operator": "In", "values": ["ok", "-bad"] } ] }""", "namespaceSelector.matchExpressions[0].values[1]")]
    [InlineData(null, """{ "matchExpressions": [ { "key": "ok" }, { "key": "team", "operator": "DoesNotExist" } ] }""", "namespaceSelector.matchExpressions[0].operator")]
    public void A_broken_binding_names_the_field(string? names, string? selector, string field)
    {
        var spec = Bound(names: names is null ? null : JsonSerializer.Deserialize<string[]>(names), selectorJson: selector);

        var error = Assert.Single(QueueNamespaces.Check(spec));

        Assert.Equal(field, error.Field);
    }

    [Fact]
    public void Lists_are_bounded()
    {
        var many = Enumerable.Range(0, 1001).Select(i => $"ns-{i}").ToArray();
        var values = string.Join(",", Enumerable.Range(0, 101).Select(i => $"\"v{i}\""));

        Assert.Equal("namespaces", Assert.Single(QueueNamespaces.Check(Bound(names: many))).Field);
        Assert.Equal("namespaceSelector.matchExpressions[0].values", Assert.Single(QueueNamespaces.Check(Bound(selectorJson:
            $$"""{ "matchExpressions": [ { "key": "team", "operator": "In", "values": [{{values}}] } ] }"""))).Field);
    }

    [Theory]
    [InlineData("""{ "nominalQuota": {}, "namespaceSelector": { "matchExpressions": [ { "key": "team", "operator": "Equals", "values": ["x"] } ] } }""", "namespaceSelector.matchExpressions[0].operator")]
    [InlineData("""{ "nominalQuota": {}, "namespaceSelector": { "matchLabel": { "team": "x" } } }""", "namespaceSelector.matchLabel")]
    [InlineData("""{ "nominalQuota": {}, "namespaces": "team-a" }""", "namespaces")]
    public void A_body_the_reader_refuses_names_the_field(string body, string field)
    {
        var error = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<QueueSpec>(body, JobSpecJson.Options));

        Assert.Equal(field, JobSpecJson.DescribeJsonError(error).Field);
    }
}
