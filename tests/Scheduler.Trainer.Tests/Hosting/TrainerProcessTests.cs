using Scheduler.Domain.Workloads;
using Scheduler.Trainer.Checkpoints;
using Scheduler.Trainer.Tests.Support;
using Scheduler.Trainer.Training;

namespace Scheduler.Trainer.Tests.Hosting;

public sealed class TrainerProcessTests
{
    [Fact]
    public async Task Sigterm_during_training_commits_a_checkpoint_and_exits_75_then_a_restart_resumes_it()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Skip("SIGTERM delivery is tested on Linux");
        }

        using var dir = new TempDirectory();
        var spec = Path.Combine(dir.Path, "spec.json");
        var checkpoints = Path.Combine(dir.Path, "checkpoints");
        await File.WriteAllTextAsync(spec, TinyJob.Spec(steps: 1_000_000, interval: 100_000).ToJson(), TestContext.Current.CancellationToken);

        using var trainer = TrainerProcess.Start("--spec", spec, "--checkpoint-dir", checkpoints, "--device", "cpu");
        var stderr = trainer.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(120)); // both runs of the trainer: generous for a loaded CI machine
        string? line;
        while ((line = await trainer.StandardOutput.ReadLineAsync(timeout.Token)) is not null && !line.StartsWith("step=3 ", StringComparison.Ordinal))
        {
        }

        Assert.NotNull(line);
        TrainerProcess.SendSigterm(trainer);
        var rest = await trainer.StandardOutput.ReadToEndAsync(timeout.Token);
        await trainer.WaitForExitAsync(timeout.Token);

        Assert.True(trainer.ExitCode == TrainerExitCodes.Checkpointed, $"exit {trainer.ExitCode}; {rest} {await stderr}");
        var committed = new CheckpointStore(checkpoints, "any").CommittedSteps().ToList();
        Assert.Single(committed);
        Assert.True(committed[0] >= 3);
        Assert.Contains($"checkpoint of step {committed[0]} committed", rest);

        using var resumed = TrainerProcess.Start("--spec", spec, "--checkpoint-dir", checkpoints, "--device", "cpu", "--max-steps", (committed[0] + 2).ToString());
        var output = await resumed.StandardOutput.ReadToEndAsync(timeout.Token);
        await resumed.WaitForExitAsync(timeout.Token);
        Assert.Equal(TrainerExitCodes.Finished, resumed.ExitCode);
        Assert.Contains($"resuming from the committed checkpoint of step {committed[0]}", output);
        Assert.Contains($"step={committed[0] + 1} ", output);
    }

    [Fact]
    public async Task A_context_parallel_spec_exits_64_naming_the_field_before_training()
    {
        using var dir = new TempDirectory();
        var spec = Path.Combine(dir.Path, "spec.json");
        var checkpoints = Path.Combine(dir.Path, "checkpoints");
        await File.WriteAllTextAsync(spec, TinyJob.Spec(steps: 1_000_000).Gpus(2, "H100-SXM").Parallelism(p => p with { Context = 2, Data = 1 }).ToJson(),
            TestContext.Current.CancellationToken);

        using var trainer = TrainerProcess.Start("--spec", spec, "--checkpoint-dir", checkpoints, "--device", "cpu");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60)); // a trainer that ignored the field would train a million steps
        var stderr = trainer.StandardError.ReadToEndAsync(timeout.Token);
        string stdout;
        try
        {
            stdout = await trainer.StandardOutput.ReadToEndAsync(timeout.Token);
            await trainer.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!trainer.HasExited)
            {
                trainer.Kill();
            }
        }

        Assert.True(trainer.ExitCode == TrainerExitCodes.InvalidSpec, $"exit {trainer.ExitCode}; {stdout} {await stderr}");
        Assert.Contains("invalid spec: parallelism.context: the bundled trainer is data-parallel only", await stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("step=", stdout, StringComparison.Ordinal);
        Assert.False(Directory.Exists(checkpoints) && Directory.EnumerateFileSystemEntries(checkpoints).Any());
    }
}
