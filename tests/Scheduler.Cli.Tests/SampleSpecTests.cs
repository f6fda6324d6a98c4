using System.Text.Json;

namespace Scheduler.Cli.Tests;

/// <summary>The sample specs shipped in src/Scheduler.Cli/Samples, priced as a user would price them.</summary>
public sealed class SampleSpecTests
{
    public static TheoryData<string, bool, string> Samples => new()
    {
        { "gpt2-small-1gpu.json", true, "A100-80GB" },
        { "llama2-7b-1gpu.json", false, "A100-80GB" },
        { "llama2-70b-pretrain.json", true, "A100-80GB" },
        { "llama2-7b-qlora.json", true, "L4" },
    };

    [Theory]
    [MemberData(nameof(Samples))]
    public void Every_sample_prices_with_exit_code_0(string sample, bool fits, string gpuType)
    {
        using var cli = new CliRun();

        var (code, stdout, stderr) = cli.Run("estimate", Path.Combine(RepositoryPaths.Samples, sample));

        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal(fits, json.RootElement.GetProperty("fits").GetBoolean());
        Assert.Equal(gpuType, json.RootElement.GetProperty("gpuType").GetString());
    }

    [Fact]
    public void The_llama2_70b_sample_lands_near_the_published_gpu_hours()
    {
        using var cli = new CliRun();

        var (_, stdout, _) = cli.Run("estimate", Path.Combine(RepositoryPaths.Samples, "llama2-70b-pretrain.json"));

        // Llama 2 paper, Table 2: 1,720,320 A100-80GB GPU-hours for 2T tokens.
        using var json = JsonDocument.Parse(stdout);
        Assert.InRange(json.RootElement.GetProperty("gpuHours").GetDouble(), 1_720_320 * 0.75, 1_720_320 * 1.25);
    }
}
