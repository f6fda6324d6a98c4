using System.Text.Json;
using Scheduler.Domain.Specs;
using Scheduler.Testing.Builders;

namespace Scheduler.Cli.Tests;

public sealed class EstimateCommandTests
{
    [Fact]
    public void Prints_only_the_estimate_json_and_exits_0()
    {
        using var cli = new CliRun();
        var spec = cli.WriteFile("gpt2.json", JobSpecBuilder.AJob().ToJson());

        var (code, stdout, stderr) = cli.Run("estimate", spec);

        Assert.Equal(0, code);
        Assert.Empty(stderr);
        using var json = JsonDocument.Parse(stdout);
        Assert.True(json.RootElement.GetProperty("fits").GetBoolean());
        Assert.Equal(124_337_664, json.RootElement.GetProperty("parameters").GetDouble());
        Assert.True(json.RootElement.GetProperty("gpuHours").GetDouble() > 0);
        Assert.True(json.RootElement.GetProperty("memoryPerGpuGiB").GetProperty("total").GetDouble() > 0);
        Assert.Equal("default", json.RootElement.GetProperty("mfuSource").GetString());
    }

    [Fact]
    public void A_job_that_does_not_fit_still_exits_0_with_the_reason_and_suggestions()
    {
        using var cli = new CliRun();
        var spec = cli.WriteFile("llama.json", JobSpecBuilder.AJob()
            .Model(m => m with { Layers = 32, HiddenSize = 4096, Heads = 32, Mlp = MlpKind.SwiGlu, VocabSize = 32000, SeqLength = 4096 })
            .Gpus(1, "T4").ToJson());

        var (code, stdout, stderr) = cli.Run("estimate", spec);

        Assert.Equal(0, code);
        Assert.Empty(stderr);
        using var json = JsonDocument.Parse(stdout);
        Assert.False(json.RootElement.GetProperty("fits").GetBoolean());
        Assert.StartsWith("needs ", json.RootElement.GetProperty("reason").GetString());
        Assert.NotEqual(0, json.RootElement.GetProperty("suggestions").GetArrayLength());
    }

    [Fact]
    public void Name_and_queue_may_be_left_out_of_an_offline_spec()
    {
        using var cli = new CliRun();
        var spec = cli.WriteFile("anonymous.json", JobSpecBuilder.AJob().With(s => s with { Name = null, Queue = null }).ToJson());

        Assert.Equal(0, cli.Run("estimate", spec).ExitCode);
    }

    [Theory]
    [InlineData("{\"model\":{\"layers\":12,\"hiddenSize\":768,\"heads\":10},\"training\":{\"tokens\":1e9},\"resources\":{\"gpuType\":\"A100-80GB\",\"gpus\":1}}", "model.hiddenSize")]
    [InlineData("{\"model\":{\"layers\":12,\"hiddenSize\":768,\"heads\":12},\"training\":{\"tokens\":1e9},\"resources\":{\"gpuType\":\"A100-81GB\",\"gpus\":1}}", "resources.gpuType")]
    [InlineData("{\"model\":{\"layers\":12,\"hiddenSize\":768,\"heads\":12,\"colour\":1},\"training\":{\"tokens\":1e9},\"resources\":{\"gpuType\":\"A100-80GB\",\"gpus\":1}}", "model.colour")]
    [InlineData("{\"model\":{\"layers\":12,\"hiddenSize\":768,\"heads\":12},\"training\":{\"tokens\":1e9},\"parallelism\":{\"data\":3},\"resources\":{\"gpuType\":\"A100-80GB\",\"gpus\":4}}", "parallelism")]
    public void An_invalid_spec_names_the_field_on_stderr_and_exits_1(string json, string field)
    {
        using var cli = new CliRun();
        var spec = cli.WriteFile("bad.json", json);

        var (code, stdout, stderr) = cli.Run("estimate", spec);

        Assert.Equal(1, code);
        Assert.Empty(stdout);
        using var problem = JsonDocument.Parse(stderr);
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), stderr);
    }

    [Fact]
    public void A_missing_file_is_a_usage_error()
    {
        using var cli = new CliRun();

        var (code, stdout, stderr) = cli.Run("estimate", Path.Combine(cli.Directory, "nope.json"));

        Assert.Equal(2, code);
        Assert.Empty(stdout);
        Assert.Contains("no such file", stderr);
    }

    [Fact]
    public void An_unknown_verb_is_a_usage_error()
    {
        using var cli = new CliRun();

        var (code, stdout, stderr) = cli.Run("price", "x.json");

        Assert.Equal(2, code);
        Assert.Empty(stdout);
        Assert.Contains("--help", stderr);
    }
}

public sealed class CatalogOptionTests
{
    [Fact]
    public void Types_from_a_catalog_file_can_be_priced()
    {
        using var cli = new CliRun();
        var catalog = cli.WriteFile("types.json", """
            [{ "name": "MI300X", "memoryGiB": 192, "bf16Tflops": 1307, "fp32Tflops": 163, "memoryBandwidthGBps": 5300,
               "intraNodeBandwidthGBps": 448, "interNodeBandwidthGBps": 50, "defaultMfu": 0.3 }]
            """);
        var spec = cli.WriteFile("job.json", JobSpecBuilder.AJob().Gpus(1, "MI300X").ToJson());

        var (code, stdout, stderr) = cli.Run("estimate", spec, "--catalog", catalog);

        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal("MI300X", json.RootElement.GetProperty("gpuType").GetString());
        Assert.Equal(192, json.RootElement.GetProperty("gpuMemoryGiB").GetDouble());
        // The configured default MFU, scaled for model size and GPU count as every type's is (docs/admission.md, MFU).
        var onA100 = cli.Run("estimate", cli.WriteFile("a100.json", JobSpecBuilder.AJob().Gpus(1, "A100-80GB").ToJson()));
        using var a100 = JsonDocument.Parse(onA100.Stdout);
        Assert.Equal(0.3 / 0.45, json.RootElement.GetProperty("mfu").GetDouble() / a100.RootElement.GetProperty("mfu").GetDouble(), 9);
    }

    [Fact]
    public void Advise_adds_the_cheapest_and_fastest_layouts()
    {
        using var cli = new CliRun();
        var spec = cli.WriteFile("job.json", JobSpecBuilder.AJob().Gpus(8).Parallelism(p => p with { Pipeline = 4, Data = 2 })
            .Training(t => t with { GlobalBatchSize = 4 }).ToJson());

        var (code, stdout, stderr) = cli.Run("estimate", spec, "--advise");

        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var advice = json.RootElement.GetProperty("advice");
        Assert.NotEqual(0, advice.GetProperty("cheapestGpuHours").GetArrayLength());
        Assert.True(advice.GetProperty("cheapestGpuHours")[0].GetProperty("gpuHours").GetDouble() <= json.RootElement.GetProperty("gpuHours").GetDouble());
    }

    [Fact]
    public void A_broken_catalog_file_is_a_usage_error_naming_the_field()
    {
        using var cli = new CliRun();
        var catalog = cli.WriteFile("types.json", """[{ "name": "X", "memoryGiB": "lots" }]""");
        var spec = cli.WriteFile("job.json", JobSpecBuilder.AJob().ToJson());

        var (code, stdout, stderr) = cli.Run("estimate", spec, "--catalog", catalog);

        Assert.Equal(2, code);
        Assert.Empty(stdout);
        Assert.Contains("memoryGiB", stderr);
    }

    [Fact]
    public async Task On_a_terminal_estimate_prints_a_summary_and_json_only_when_asked()
    {
        using var cli = new CliRun();
        var spec = cli.WriteFile("gpt2.yaml", "model: { layers: 12, hiddenSize: 768, heads: 12 }\ntraining: { tokens: 1.0e9 }\nresources: { gpuType: A100-80GB, gpus: 1 }\n");
        using var summary = new StringWriter();
        using var json = new StringWriter();
        var terminal = new CliContext(summary, TextWriter.Null) { IsTerminal = true, Environment = name => name == "NO_COLOR" ? "1" : null };

        Assert.Equal(0, await CliApp.RunAsync(["estimate", spec], terminal, TestContext.Current.CancellationToken));
        Assert.Equal(0, await CliApp.RunAsync(["estimate", spec, "--json"], terminal with { Output = json }, TestContext.Current.CancellationToken));

        Assert.Contains("GPU-hours:", summary.ToString());
        Assert.Contains("Fits:        yes", summary.ToString());
        Assert.DoesNotContain("\u001b[", summary.ToString());
        using var parsed = JsonDocument.Parse(json.ToString());
        Assert.True(parsed.RootElement.GetProperty("fits").GetBoolean());
    }
}
