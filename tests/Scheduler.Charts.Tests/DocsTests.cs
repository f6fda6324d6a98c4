using System.Text.RegularExpressions;
using Scheduler.Charts.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace Scheduler.Charts.Tests;

/// <summary>docs/security.md and docs/install.md stay true to what the chart renders.</summary>
public sealed partial class DocsTests(ChartTools tools)
{
    [Fact]
    public async Task Security_doc_lists_every_granted_verb_and_no_other()
    {
        var chart = await tools.Renderer.RenderAsync(ValueSet.Default);
        var granted = chart.Manifests
            .Where(m => m.Kind is "ClusterRole" or "Role")
            .SelectMany(role => role.At("rules")!.AsArray().SelectMany(rule =>
                from resource in rule.At("resources").Strings()
                from verb in rule.At("verbs").Strings()
                select $"{resource} {verb}"))
            .Order(StringComparer.Ordinal)
            .ToList();

        var documented = RbacRow().Matches(File.ReadAllText(RepoPaths.InRoot("docs", "security.md")))
            .SelectMany(row => row.Groups["verbs"].Value.Split(',', StringSplitOptions.TrimEntries).Select(verb => $"{row.Groups["resource"].Value} {verb}"))
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.Equal(granted, documented);
    }

    [Fact]
    public void Install_doc_describes_every_top_level_value()
    {
        var values = new YamlStream();
        values.Load(new StringReader(File.ReadAllText(Path.Combine(RepoPaths.Chart, "values.yaml"))));
        var install = File.ReadAllText(RepoPaths.InRoot("docs", "install.md"));

        var undocumented = ((YamlMappingNode)values.Documents[0].RootNode).Children.Keys
            .Select(k => ((YamlScalarNode)k).Value!)
            .Where(key => !install.Contains($"| `{key}", StringComparison.Ordinal) && !install.Contains($", `{key}`", StringComparison.Ordinal))
            .ToList();

        Assert.True(undocumented.Count == 0, "Values missing from the reference in docs/install.md: " + string.Join(", ", undocumented));
    }

    /// <summary>A table row `| group | `resource` | verb, verb | …` of the RBAC tables.</summary>
    [GeneratedRegex(@"^\| [^|]+ \| `(?<resource>[a-z/]+)` \| (?<verbs>[a-z, ]+) \|", RegexOptions.Multiline)]
    private static partial Regex RbacRow();
}
