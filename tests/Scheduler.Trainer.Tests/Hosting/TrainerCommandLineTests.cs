using Scheduler.Domain.Specs;
using Scheduler.Domain.Workloads;
using Scheduler.Trainer.Hosting;
using Scheduler.Trainer.Tests.Support;
using Scheduler.Trainer.Training;

namespace Scheduler.Trainer.Tests.Hosting;

public sealed class TrainerCommandLineTests
{
    private static async Task<(int Exit, string Output, string Error)> Run(string[] args, Dictionary<string, string>? environment = null, CancellationToken? cancellationToken = null)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await TrainerCommandLine.RunAsync(args, output, error, name => environment?.GetValueOrDefault(name), cancellationToken ?? TestContext.Current.CancellationToken);
        return (exit, output.ToString(), error.ToString());
    }

    public static TheoryData<string, string> InvalidSpecs => new()
    {
        { TinyJob.Spec().Model(m => m with { Mlp = MlpKind.SwiGlu }).ToJson(), "model.mlp" },
        { TinyJob.Spec().Model(m => m with { Heads = 3 }).ToJson(), "model.hiddenSize" },
        { "{ \"name\": ", "name" },
        { TinyJob.Spec().ToJson().Replace("\"layers\":2", "\"layers\":\"two\""), "model.layers" },
    };

    [Theory]
    [MemberData(nameof(InvalidSpecs))]
    public async Task An_invalid_spec_exits_64_naming_the_field(string json, string field)
    {
        using var dir = new TempDirectory();
        var spec = Path.Combine(dir.Path, "spec.json");
        await File.WriteAllTextAsync(spec, json, TestContext.Current.CancellationToken);

        var (exit, _, error) = await Run(["--spec", spec, "--checkpoint-dir", dir.Path, "--device", "cpu"]);

        Assert.Equal(TrainerExitCodes.InvalidSpec, exit);
        Assert.Contains($"invalid spec: {field}", error);
    }

    public static TheoryData<string[], Dictionary<string, string>, string> InvalidInvocations => new()
    {
        { [], new(), "--spec" },
        { ["--spec", "/nonexistent/spec.json", "--checkpoint-dir", "/tmp"], new(), "--spec" },
        { ["--spec", "x"], new(), "--checkpoint-dir" },
        { ["--spec", "x", "--checkpoint-dir", "y"], new() { ["WORLD_SIZE"] = "two" }, "WORLD_SIZE" },
        { ["--spec", "x", "--checkpoint-dir", "y"], new() { ["WORLD_SIZE"] = "2", ["RANK"] = "2" }, "RANK" },
        { ["--spec", "x", "--checkpoint-dir", "y", "--device", "tpu"], new(), "--device" },
        { ["--max-steps", "many"], new(), "many" },
    };

    [Theory]
    [MemberData(nameof(InvalidInvocations))]
    public async Task Bad_options_or_environment_exit_64_naming_them(string[] args, Dictionary<string, string> environment, string named)
    {
        var (exit, _, error) = await Run(args, environment);
        Assert.Equal(TrainerExitCodes.InvalidSpec, exit);
        Assert.Contains(named, error);
    }

    [Fact]
    public async Task The_environment_supplies_what_the_command_line_leaves_out()
    {
        using var dir = new TempDirectory();
        var spec = Path.Combine(dir.Path, "spec.json");
        await File.WriteAllTextAsync(spec, TinyJob.Spec(steps: 50).ToJson(), TestContext.Current.CancellationToken);
        var environment = new Dictionary<string, string>
        {
            ["SCHEDULER_SPEC"] = spec,
            ["SCHEDULER_CHECKPOINT_DIR"] = Path.Combine(dir.Path, "ck"),
            ["SCHEDULER_DEVICE"] = "cpu",
            ["SCHEDULER_JOB_ID"] = "job-1",
        };

        var (exit, output, error) = await Run(["--max-steps", "2"], environment);

        Assert.True(exit == TrainerExitCodes.Finished, error);
        Assert.Contains("step=2 ", output);
        Assert.DoesNotContain("step=3 ", output);
        Assert.True(File.Exists(Path.Combine(dir.Path, "ck", "step-000000002.committed")));
    }

    [Fact]
    public async Task Two_ranks_rendezvous_through_the_environment_and_only_rank_zero_checkpoints()
    {
        using var dir = new TempDirectory();
        var spec = Path.Combine(dir.Path, "spec.json");
        await File.WriteAllTextAsync(spec, TinyJob.Spec(steps: 3, globalBatch: 4, microBatch: 1).ToJson(), TestContext.Current.CancellationToken);
        var results = await Rendezvous.RunAsync(2, (rank, port, ct) => Run(
            ["--spec", spec, "--checkpoint-dir", Path.Combine(dir.Path, $"rank{rank}"), "--device", "cpu"],
            new() { ["WORLD_SIZE"] = "2", ["RANK"] = rank.ToString(), ["MASTER_ADDR"] = "127.0.0.1", ["MASTER_PORT"] = port.ToString() }, ct),
            rank0 => rank0.Exit == TrainerExitCodes.Failed && Rendezvous.AddressInUse(rank0.Error));

        Assert.All(results, r => Assert.True(r.Exit == TrainerExitCodes.Finished, r.Error));
        Assert.All(results, r => Assert.Contains("rank", r.Output));
        var losses = results.Select(r => r.Output.Split('\n').Where(l => l.StartsWith("step=", StringComparison.Ordinal)).Select(l => l.Split(' ')[1]).ToList()).ToList();
        Assert.Equal(3, losses[0].Count);
        Assert.Equal(losses[0], losses[1]);
        Assert.True(File.Exists(Path.Combine(dir.Path, "rank0", "step-000000003.committed")));
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "rank1")));
    }

    [Fact]
    public async Task A_checkpoint_that_cannot_be_written_exits_1_so_the_job_may_be_retried()
    {
        using var dir = new TempDirectory();
        var spec = Path.Combine(dir.Path, "spec.json");
        await File.WriteAllTextAsync(spec, TinyJob.Spec(steps: 1).ToJson(), TestContext.Current.CancellationToken);
        var notADirectory = Path.Combine(dir.Path, "file");
        await File.WriteAllTextAsync(notADirectory, "x", TestContext.Current.CancellationToken);

        var (exit, _, error) = await Run(["--spec", spec, "--checkpoint-dir", notADirectory, "--device", "cpu"]);

        Assert.Equal(TrainerExitCodes.Failed, exit);
        Assert.Contains("trainer failed", error);
    }

    [Theory]
    [InlineData(new byte[] { 1, 0, 2, 0, 200, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8, 0, 9, 0 }, TrainerExitCodes.InvalidData, "outside the vocabulary")]
    [InlineData(null, TrainerExitCodes.InvalidSpec, "training.dataPath")]
    public async Task A_bad_or_missing_token_file_is_reported_and_not_retried(byte[]? tokens, int expectedExit, string message)
    {
        using var dir = new TempDirectory();
        var data = Path.Combine(dir.Path, "train.bin");
        if (tokens is not null)
        {
            await File.WriteAllBytesAsync(data, tokens, TestContext.Current.CancellationToken);
        }

        var spec = Path.Combine(dir.Path, "spec.json");
        await File.WriteAllTextAsync(spec, TinyJob.Spec(steps: 2, globalBatch: 1, microBatch: 1).Training(t => t with { DataPath = data }).ToJson(), TestContext.Current.CancellationToken);

        var (exit, _, error) = await Run(["--spec", spec, "--checkpoint-dir", Path.Combine(dir.Path, "ck"), "--device", "cpu"]);

        Assert.Equal(expectedExit, exit);
        Assert.Contains(message, error);
    }
}
