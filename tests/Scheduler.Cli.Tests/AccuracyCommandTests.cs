namespace Scheduler.Cli.Tests;

public sealed class AccuracyCommandTests
{
    [Fact]
    public void Writes_the_comparison_table_with_every_case_and_the_summary()
    {
        using var cli = new CliRun();
        var output = Path.Combine(cli.Directory, "benchmarks", "estimator.md");

        var (code, stdout, stderr) = cli.Run("accuracy", "--reference", RepositoryPaths.Reference, "--out", output);

        Assert.Equal(0, code);
        Assert.Empty(stderr);
        Assert.Contains("GPU-hours (default MFU): 6 cases, median |error|", stdout);
        var markdown = File.ReadAllText(output);
        Assert.Contains("| llama2-70b |", markdown);
        Assert.Contains("| bert-large-fp32-adamw |", markdown);
        Assert.Contains("| zero-paper-os-g-p |", markdown);
        Assert.Contains("median abs. error", markdown);
        Assert.Contains("## Why the held-out runs that miss are off", markdown);
    }

    [Fact]
    public void A_missing_reference_folder_is_a_usage_error()
    {
        using var cli = new CliRun();

        var (code, _, stderr) = cli.Run("accuracy", "--reference", Path.Combine(cli.Directory, "absent"), "--out", Path.Combine(cli.Directory, "x.md"));

        Assert.Equal(2, code);
        Assert.Contains("no such folder", stderr);
    }

    [Fact]
    public void The_output_file_is_required()
    {
        using var cli = new CliRun();

        Assert.Equal(2, cli.Run("accuracy", "--reference", cli.Directory).ExitCode);
    }
}
