using System.Text.Json;
using Scheduler.Domain.Jobs;
using Scheduler.Testing.Builders;

namespace Scheduler.Cli.Tests.Commands;

/// <summary>Each remote command against the real control plane: what it prints, and the documented exit codes.</summary>
public sealed class RemoteCommandTests(ControlPlane plane) : IClassFixture<ControlPlane>
{
    private static string Submittable(CliRun cli, string queue, string name, string extension = ".json") =>
        cli.WriteFile(name + extension, extension == ".json"
            ? JobSpecBuilder.AJob(name).InQueue(queue).ToJson()
            : $"""
               # a YAML spec: the REST body's shape
               name: {name}
               queue: {queue}
               model: {"{"} layers: 12, hiddenSize: 768, heads: 12, vocabSize: 50257, seqLength: 1024 {"}"}
               training:
                 tokens: 1.0e9
                 globalBatchSize: 32
                 microBatchSize: 8
               resources: {"{"} gpuType: A100-80GB, gpus: 1 {"}"}
               """);

    [Fact]
    public async Task Submit_prints_the_id_and_queue_lists_the_job_as_queued()
    {
        await plane.PutQueueAsync("submit-list");
        using var cli = new CliRun();

        var (code, stdout, stderr) = await cli.RunAsync(plane, "submit", Submittable(cli, "submit-list", "from-yaml", ".yaml"), "--priority", "high");

        Assert.True(code == 0, stderr);
        var id = Guid.Parse(stdout.Trim());
        var (listed, table, _) = await cli.RunAsync(plane, "queue", "-q", "submit-list");
        Assert.Equal(0, listed);
        Assert.Contains(id.ToString(), table);
        Assert.Contains("Queued", table);
        var (_, json, _) = await cli.RunAsync(plane, "queue", "-q", "submit-list", "--json");
        var entry = JsonDocument.Parse(json).RootElement.EnumerateArray().Single();
        Assert.Equal("from-yaml", entry.GetProperty("name").GetString());
        Assert.Equal("high", entry.GetProperty("priorityClass").GetString());
        Assert.Equal("Queued", entry.GetProperty("state").GetString());
    }

    [Fact]
    public async Task Submit_overrides_queue_and_gpus_from_the_command_line()
    {
        await plane.PutQueueAsync("overrides");
        using var cli = new CliRun();

        var (code, stdout, stderr) = await cli.RunAsync(plane, "submit", Submittable(cli, "elsewhere", "moved"), "-q", "overrides", "--gpus", "2", "--json");

        Assert.True(code == 0, stderr);
        var job = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal("overrides", job.GetProperty("queue").GetString());
        Assert.Equal(2, job.GetProperty("spec").GetProperty("resources").GetProperty("gpus").GetInt32());
    }

    [Fact]
    public async Task A_refused_submission_prints_the_servers_field_and_rule_and_exits_1()
    {
        using var cli = new CliRun();

        var (code, stdout, stderr) = await cli.RunAsync(plane, "submit", Submittable(cli, "no-such-queue", "orphan"));

        Assert.Equal(1, code);
        Assert.Empty(stdout);
        Assert.Contains("queue:", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public async Task An_invalid_spec_file_names_the_field_and_exits_1_without_calling_the_server()
    {
        using var cli = new CliRun();
        var spec = cli.WriteFile("bad.yaml", "name: bad\nqueue: q\nmodel: { layers: 12, colour: red }\n");

        var (code, _, stderr) = await cli.RunAsync(plane, "submit", spec);

        Assert.Equal(1, code);
        Assert.Contains("model.colour", stderr);
    }

    [Fact]
    public async Task Show_and_cancel_a_job_then_a_second_cancel_of_an_ended_job_is_idempotent()
    {
        await plane.PutQueueAsync("show-cancel");
        using var cli = new CliRun();
        var id = (await cli.RunAsync(plane, "submit", Submittable(cli, "show-cancel", "shown"))).Stdout.Trim();

        var (shown, text, _) = await cli.RunAsync(plane, "show", id);
        var (cancelled, line, _) = await cli.RunAsync(plane, "cancel", id);
        var (_, json, _) = await cli.RunAsync(plane, "show", id, "--json");

        Assert.Equal(0, shown);
        Assert.Contains("GPU-hours:", text);
        Assert.Contains("Events:", text);
        Assert.Equal(0, cancelled);
        Assert.Equal($"{id} Cancelled", line.Trim());
        var events = JsonDocument.Parse(json).RootElement.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("to").GetString()).ToList();
        Assert.Equal(["Queued", "Cancelled"], events);
        Assert.Equal(0, (await cli.RunAsync(plane, "cancel", id)).ExitCode);
    }

    [Fact]
    public async Task Submit_with_sbatch_array_and_dependency_options_then_cancel_the_whole_array()
    {
        await plane.PutQueueAsync("slurm-options");
        using var cli = new CliRun();
        var prep = (await cli.RunAsync(plane, "submit", Submittable(cli, "slurm-options", "prep"))).Stdout.Trim();

        var (code, stdout, stderr) = await cli.RunAsync(plane, "submit", Submittable(cli, "slurm-options", "sweep"),
            "--array=0-9%3", $"--dependency=afterok:{prep},singleton");
        var (badCode, _, badUsage) = await cli.RunAsync(plane, "submit", Submittable(cli, "slurm-options", "odd"), "--array=1-10");

        Assert.True(code == 0, stderr);
        var arrayId = stdout.Trim();
        var (_, listed, _) = await cli.RunAsync(plane, "queue", "-q", "slurm-options", "--json");
        var names = JsonDocument.Parse(listed).RootElement.EnumerateArray().Select(j => j.GetProperty("name").GetString()).ToList();
        Assert.Equal(10, names.Count(n => n!.StartsWith("sweep-", StringComparison.Ordinal)));
        var task = (await plane.FindJobAsync("slurm-options", "sweep-3"))!;
        Assert.Equal((arrayId, 3), (task.ArrayId.ToString(), task.ArrayIndex));
        Assert.Equal((10, 3), (task.Spec.Array!.Count, task.Spec.Array.Parallelism));
        Assert.Equal(prep, task.Spec.Dependencies![0].Job);
        Assert.True(task.Spec.Singleton);
        Assert.Equal(2, badCode);
        Assert.Contains("start at 0", badUsage);

        var (cancelled, line, _) = await cli.RunAsync(plane, "cancel", arrayId, "--array");

        Assert.Equal(0, cancelled);
        Assert.Equal($"{arrayId} cancelled 10 of 10 tasks", line.Trim());
    }

    [Fact]
    public async Task Logs_of_a_job_that_has_not_started_are_refused_with_the_reason()
    {
        await plane.PutQueueAsync("logs-queued");
        using var cli = new CliRun();
        var id = (await cli.RunAsync(plane, "submit", Submittable(cli, "logs-queued", "waiting"))).Stdout.Trim();

        var (exit, stdout, stderr) = await cli.RunAsync(plane, "logs", id, "--tail", "10");

        Assert.NotEqual(0, exit);
        Assert.Empty(stdout);
        Assert.Contains("has not started", stderr);
    }

    [Fact]
    public async Task An_unknown_job_exits_3_and_a_malformed_id_exits_2()
    {
        using var cli = new CliRun();

        var (missing, _, stderr) = await cli.RunAsync(plane, "show", Guid.NewGuid().ToString());
        var (malformed, _, usage) = await cli.RunAsync(plane, "cancel", "not-an-id");

        Assert.Equal(3, missing);
        Assert.Contains("404", stderr);
        Assert.Equal(2, malformed);
        Assert.Contains("not a job id", usage);
    }

    [Fact]
    public async Task An_unreachable_server_exits_4_and_no_server_at_all_exits_2()
    {
        using var cli = new CliRun();

        var error = new StringWriter();
        var nowhere = new CliContext(TextWriter.Null, error) { Environment = name => name == "GPUSCHED_SERVER" ? "http://127.0.0.1:1/" : null };
        var unreachable = await CliApp.RunAsync(["queues"], nowhere, TestContext.Current.CancellationToken);
        var stderr = error.ToString();
        var plain = new CliContext(TextWriter.Null, new StringWriter()) { Environment = name => name == "GPUSCHED_CONFIG_DIR" ? cli.Directory : null };
        var unconfigured = await CliApp.RunAsync(["queue"], plain, TestContext.Current.CancellationToken);

        Assert.Equal(4, unreachable);
        Assert.Contains("cannot reach", stderr);
        Assert.Equal(2, unconfigured);
    }

    [Fact]
    public async Task An_unknown_column_is_a_usage_error_that_lists_the_columns()
    {
        using var cli = new CliRun();

        var (code, _, stderr) = await cli.RunAsync(plane, "queue", "-o", "id,colour");

        Assert.Equal(2, code);
        Assert.Contains("id,name,queue,state", stderr);
    }

    [Fact]
    public async Task Submit_wait_follows_the_job_and_exits_0_when_it_succeeds()
    {
        await plane.PutQueueAsync("wait-ok");
        using var cli = new CliRun();
        var run = cli.RunAsync(plane, "submit", Submittable(cli, "wait-ok", "waited"), "--wait", "--interval", "0.05");

        var job = await WaitForJobAsync("wait-ok", "waited", run);
        await plane.MoveAsync(job, JobState.Admitted, JobState.Running, JobState.Succeeded);
        var (code, stdout, stderr) = await run.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);

        Assert.True(code == 0, stderr);
        Assert.Equal(job.ToString(), stdout.Trim());
        Assert.Contains("Queued", stderr);
        Assert.Contains("Succeeded", stderr);
    }

    [Fact]
    public async Task Submit_wait_exits_5_when_the_job_fails()
    {
        await plane.PutQueueAsync("wait-fail");
        using var cli = new CliRun();
        var run = cli.RunAsync(plane, "submit", Submittable(cli, "wait-fail", "doomed"), "--wait", "--interval", "0.05");

        var job = await WaitForJobAsync("wait-fail", "doomed", run);
        await plane.MoveAsync(job, JobState.Admitted, JobState.Running, JobState.Failed);
        var (code, _, stderr) = await run.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);

        Assert.Equal(5, code);
        Assert.Contains("Failed", stderr);
    }

    [Fact]
    public async Task Login_stores_the_server_and_token_file_in_a_0600_file_and_the_token_is_sent()
    {
        using var cli = new CliRun();
        var token = cli.WriteFile("token", plane.AdminToken + "\n");
        // Neither the server nor the token from the environment: login's own configuration must carry them.
        var env = new Dictionary<string, string> { ["GPUSCHED_SERVER"] = "", ["GPUSCHED_TOKEN"] = "" };

        var (code, _, stderr) = await cli.RunAsync(plane, env, "login", "--server", plane.Url, "--token-file", token);
        var (who, json, _) = await cli.RunAsync(plane, env, "whoami", "--json");
        var (_, _, _) = await cli.RunAsync(plane, env, "logout");
        var (after, _, afterError) = await cli.RunAsync(plane, env, "queue");

        Assert.True(code == 0, stderr);
        var config = Path.Combine(cli.Directory, "config", "config.json");
        Assert.Equal(0, who);
        var identity = JsonDocument.Parse(json).RootElement;
        Assert.Equal(ControlPlane.AdminUser, identity.GetProperty("user").GetString());
        Assert.True(identity.GetProperty("clusterAdmin").GetBoolean());
        Assert.Equal(token, identity.GetProperty("tokenSource").GetString());
        Assert.False(File.Exists(config));
        Assert.Equal(2, after);
        Assert.Contains("no server configured", afterError);
    }

    [Fact]
    public async Task The_stored_configuration_is_readable_by_its_owner_only()
    {
        using var cli = new CliRun();
        var env = new Dictionary<string, string> { ["GPUSCHED_SERVER"] = "" };

        var token = cli.WriteFile("token", plane.AdminToken + "\n");

        Assert.Equal(0, (await cli.RunAsync(plane, env, "login", "--server", plane.Url, "--token-file", token)).ExitCode);

        var config = Path.Combine(cli.Directory, "config", "config.json");
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(config));
        }

        Assert.Contains(plane.Url, File.ReadAllText(config));
    }

    [Fact]
    public async Task Logging_in_again_replaces_a_readable_configuration_or_a_planted_link_without_exposing_the_token()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("file modes and symbolic links are POSIX here");
            return;
        }

        using var cli = new CliRun();
        var env = new Dictionary<string, string> { ["GPUSCHED_SERVER"] = "" };
        var token = cli.WriteFile("token", plane.AdminToken + "\n");
        var folder = Path.Combine(cli.Directory, "config");
        Directory.CreateDirectory(folder);
        var config = Path.Combine(folder, "config.json");
        var elsewhere = cli.WriteFile("elsewhere.json", "{}");
        File.SetUnixFileMode(elsewhere, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        File.CreateSymbolicLink(config, elsewhere);

        Assert.Equal(0, (await cli.RunAsync(plane, env, "login", "--server", plane.Url, "--token-file", token)).ExitCode);

        Assert.Null(new FileInfo(config).LinkTarget);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(config));
        Assert.Equal("{}", File.ReadAllText(elsewhere));
        Assert.Equal([config], Directory.GetFiles(folder));

        File.SetUnixFileMode(config, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        Assert.Equal(0, (await cli.RunAsync(plane, env, "login", "--server", plane.Url, "--token-file", token)).ExitCode);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(config));
        Assert.Contains(plane.Url, File.ReadAllText(config));
    }

    [Fact]
    public async Task The_bearer_token_goes_with_every_call()
    {
        using var cli = new CliRun();
        var seen = new List<string?>();
        var context = plane.Context(TextWriter.Null, TextWriter.Null, cli.Directory, new Dictionary<string, string> { ["GPUSCHED_TOKEN"] = plane.AdminToken }) with
        {
            Handler = () => new Recording(plane.Server.CreateHandler(), seen),
        };

        Assert.Equal(0, await CliApp.RunAsync(["queues"], context, TestContext.Current.CancellationToken));

        Assert.NotEmpty(seen);
        Assert.All(seen, header => Assert.Equal($"Bearer {plane.AdminToken}", header));
    }

    private async Task<Guid> WaitForJobAsync(string queue, string name, Task<(int, string, string)> run)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(60));
        while (true)
        {
            Assert.False(run.IsCompleted, "submit --wait ended before the job did");
            if (await plane.FindJobAsync(queue, name) is { } job)
            {
                return job.Id;
            }

            await Task.Delay(20, deadline.Token);
        }
    }

    private sealed class Recording(HttpMessageHandler inner, List<string?> seen) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (seen)
            {
                seen.Add(request.Headers.Authorization?.ToString());
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
