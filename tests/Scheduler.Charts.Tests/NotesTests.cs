using System.Text.Json;
using System.Text.RegularExpressions;
using Scheduler.Charts.Tests.Infrastructure;
using Scheduler.Domain.Catalog;
using Scheduler.Domain.Queues;
using Scheduler.Domain.Specs;

namespace Scheduler.Charts.Tests;

/// <summary>
/// NOTES.txt renders only on a real install, so the tests render it offline from a copy of the chart in which a
/// ConfigMap template carries the notes' text. What it tells users to run must be right: names, URLs, and a first job
/// that the API's own validator accepts.
/// </summary>
public sealed partial class NotesTests(ChartTools tools)
{
    [Fact]
    public async Task Notes_show_how_to_reach_the_api_and_dashboard_through_a_port_forward()
    {
        var notes = await RenderNotesAsync(ValueSet.Default);

        Assert.Contains($"kubectl -n {ChartRenderer.Namespace} port-forward service/{ChartRenderer.FullName} 8080:80", notes, StringComparison.Ordinal);
        Assert.Contains($"kubectl -n {ChartRenderer.Namespace} rollout status deployment/{ChartRenderer.FullName}", notes, StringComparison.Ordinal);
        Assert.Contains("http://127.0.0.1:8080/ui", notes, StringComparison.Ordinal);
        Assert.Contains($"Secret {ChartRenderer.FullName}-database, key connectionString", notes, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Notes_point_at_the_ingress_host_when_there_is_one()
    {
        var notes = await RenderNotesAsync(ValueSet.ExternalDb);

        Assert.Contains("https://gpu-scheduler.corp.example/ui", notes, StringComparison.Ordinal);
        Assert.DoesNotContain("port-forward", notes, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_curl_in_the_notes_sends_a_bearer_token()
    {
        var notes = await RenderNotesAsync(ValueSet.Default);
        var curls = CurlCommand().Matches(notes).Select(m => m.Value).ToList();

        Assert.NotEmpty(curls);
        Assert.All(curls, curl => Assert.Contains("-H \"Authorization: Bearer $TOKEN\"", curl, StringComparison.Ordinal));
        Assert.Contains("export TOKEN=", notes, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Notes_warn_that_the_bundled_database_is_for_trials()
    {
        var notes = await RenderNotesAsync(ValueSet.BundledDb);

        Assert.Contains("for trials only", notes, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_first_job_and_queue_in_the_notes_are_valid_requests()
    {
        var notes = await RenderNotesAsync(ValueSet.Default);
        var bodies = RequestBody().Matches(notes).Select(m => m.Groups["json"].Value).ToList();

        Assert.Equal(2, bodies.Count);
        var queue = JsonSerializer.Deserialize<QueueSpec>(bodies[0], JobSpecJson.Options)!;
        Assert.All(queue.NominalQuota!.Keys, gpuType => Assert.True(GpuCatalog.Default.Contains(gpuType), gpuType));
        var (spec, parseError) = JobSpecJson.Parse(bodies[1]);
        Assert.Null(parseError);
        Assert.Empty(new JobSpecValidator(GpuCatalog.Default, PriorityClasses.Default).Check(spec!));
    }

    private async Task<string> RenderNotesAsync(string valueSet)
    {
        var chart = Directory.CreateTempSubdirectory("gpu-scheduler-notes-");
        try
        {
            CopyDirectory(RepoPaths.Chart, chart.FullName);
            var notes = await File.ReadAllTextAsync(Path.Combine(chart.FullName, "templates", "NOTES.txt"), TestContext.Current.CancellationToken);
            await File.WriteAllTextAsync(
                Path.Combine(chart.FullName, "templates", "notes-under-test.yaml"),
                "{{- define \"notes-under-test\" -}}\n" + notes + "\n{{- end -}}\n"
                + "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: notes}\ndata:\n  notes: {{ include \"notes-under-test\" . | toJson }}\n",
                TestContext.Current.CancellationToken);

            var result = await tools.Renderer.RunAsync(
                tools.Helm, ChartRenderer.TemplateArguments(chart.FullName, ValueSet.Named(valueSet), "--show-only", "templates/notes-under-test.yaml"));

            Assert.True(result.ExitCode == 0, result.Describe());
            return (string)YamlDocuments.Parse(result.StandardOutput).Single().Json.At("data.notes")!;
        }
        finally
        {
            chart.Delete(recursive: true);
        }
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        }

        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
        }
    }

    /// <summary>A curl command with its continuation lines, up to the request body or the end of the line.</summary>
    [GeneratedRegex(@"curl (?:[^\n']|\\\n)*", RegexOptions.None)]
    private static partial Regex CurlCommand();

    [GeneratedRegex(@"-d '(?<json>\{.*?\})'", RegexOptions.Singleline)]
    private static partial Regex RequestBody();
}
