using System.Diagnostics;
using System.Text.Json;
using Scheduler.Testing.Builders;

namespace Scheduler.Cli.Tests;

/// <summary>The built program itself, as scripts call it: stdout carries only JSON, the exit code the verdict on the spec.</summary>
public sealed class BuiltProgramTests
{
    private static (int ExitCode, string Stdout, string Stderr) Run(params string[] args)
    {
        var program = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "gpusched.exe" : "gpusched");
        if (!File.Exists(program))
        {
            Assert.Skip($"{program} was not built next to the tests");
        }

        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr);
    }

    [Fact]
    public void Estimate_prints_parseable_json_and_exits_0()
    {
        using var cli = new CliRun();
        var spec = cli.WriteFile("job.json", JobSpecBuilder.AJob().Gpus(8).Training(t => t with { GlobalBatchSize = 64 }).ToJson());

        var (code, stdout, stderr) = Run("estimate", spec);

        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal(8, json.RootElement.GetProperty("gpus").GetDouble());
    }

    [Fact]
    public void An_invalid_spec_exits_non_zero_with_the_problem_on_stderr()
    {
        using var cli = new CliRun();
        var spec = cli.WriteFile("job.json", JobSpecBuilder.AJob().Gpus(0).ToJson());

        var (code, stdout, stderr) = Run("estimate", spec);

        Assert.Equal(1, code);
        Assert.Empty(stdout);
        Assert.Contains("resources.gpus", stderr);
    }
}
