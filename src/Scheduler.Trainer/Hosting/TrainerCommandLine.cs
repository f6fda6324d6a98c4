using System.CommandLine;
using System.Globalization;
using Scheduler.Domain.Workloads;
using Scheduler.Trainer.Bench;
using Scheduler.Trainer.Compute;
using Scheduler.Trainer.Training;

namespace Scheduler.Trainer.Hosting;

/// <summary>
/// <c>trainer --spec … --checkpoint-dir … [--max-steps N] [--device …] [--telemetry-url …]</c> and <c>trainer bench</c>.
/// Each option falls back to its environment variable (the pod contract), the command line winning.
/// </summary>
internal static class TrainerCommandLine
{
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, Func<string, string?> environment, CancellationToken cancellationToken)
    {
        var spec = new Option<string?>("--spec") { Description = $"Job spec JSON file (env {TrainerEnvironment.Spec})" };
        var checkpointDir = new Option<string?>("--checkpoint-dir") { Description = $"Checkpoint directory (env {TrainerEnvironment.CheckpointDir})" };
        var maxSteps = new Option<long?>("--max-steps") { Description = "Stop when the global step reaches N, a total (env SCHEDULER_MAX_STEPS)" };
        var device = new Option<string?>("--device") { Description = "auto | cpu | cuda | ilgpu-cpu (env SCHEDULER_DEVICE; default auto)" };
        var telemetryUrl = new Option<string?>("--telemetry-url") { Description = $"POST telemetry here (env {TrainerEnvironment.TelemetryUrl})" };
        var telemetryEvery = new Option<int?>("--telemetry-every") { Description = "Steps between telemetry posts (env SCHEDULER_TELEMETRY_EVERY; default 10)" };
        var root = new RootCommand("Trains the GPT a job spec describes; checkpoints on SIGTERM and reports telemetry.")
        {
            spec, checkpointDir, maxSteps, device, telemetryUrl, telemetryEvery,
        };

        var benchDevice = new Option<string>("--device") { Description = "cuda | cpu | ilgpu-cpu", DefaultValueFactory = _ => "cuda" };
        var benchSteps = new Option<int>("--steps") { Description = "Timed steps per model", DefaultValueFactory = _ => 20 };
        var benchModels = new Option<string>("--models") { Description = "Comma-separated: small (124M), medium (350M), tiny", DefaultValueFactory = _ => "small,medium" };
        var benchMicroBatch = new Option<int?>("--micro-batch") { Description = "Sequences per step (default 8 for small, 4 for medium)" };
        var bench = new Command("bench", "GPU-vs-CPU agreement on a tiny model, then tokens/s, MFU and peak memory of GPT-2 shapes in bf16")
        {
            benchDevice, benchSteps, benchModels, benchMicroBatch,
        };
        root.Subcommands.Add(bench);

        // Actions run below, after the environment is merged; these only make both commands invocable for the parser.
        root.SetAction(_ => 0);
        bench.SetAction(_ => 0);

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var parseError in parse.Errors)
            {
                await error.WriteLineAsync($"invalid command line: {parseError.Message}").ConfigureAwait(false);
            }

            return TrainerExitCodes.InvalidSpec;
        }

        if (parse.CommandResult.Command == bench)
        {
            var models = parse.GetValue(benchModels)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            return TrainerBenchmark.Run(parse.GetValue(benchDevice)!, models, parse.GetValue(benchSteps), parse.GetValue(benchMicroBatch), output, error);
        }

        if (parse.Action is System.CommandLine.Help.HelpAction)
        {
            return parse.Invoke(new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = null });
        }

        TrainerOptions options;
        try
        {
            options = new TrainerOptions
            {
                SpecPath = parse.GetValue(spec) ?? environment(TrainerEnvironment.Spec) ?? throw Missing("--spec", TrainerEnvironment.Spec),
                CheckpointDirectory = parse.GetValue(checkpointDir) ?? environment(TrainerEnvironment.CheckpointDir) ?? throw Missing("--checkpoint-dir", TrainerEnvironment.CheckpointDir),
                MaxSteps = parse.GetValue(maxSteps) ?? Number(environment, "SCHEDULER_MAX_STEPS", min: 0),
                Device = parse.GetValue(device) ?? environment("SCHEDULER_DEVICE") ?? "auto",
                TelemetryUrl = parse.GetValue(telemetryUrl) ?? NonEmpty(environment(TrainerEnvironment.TelemetryUrl)),
                TelemetryEverySteps = (int)(parse.GetValue(telemetryEvery) ?? Number(environment, "SCHEDULER_TELEMETRY_EVERY", min: 1) ?? 10),
                JobId = NonEmpty(environment(TrainerEnvironment.JobId)),
                TelemetryToken = NonEmpty(environment(TrainerEnvironment.TelemetryToken)),
                WorldSize = (int)(Number(environment, TrainerEnvironment.WorldSize, min: 1) ?? 1),
                Rank = (int)(Number(environment, TrainerEnvironment.Rank, min: 0) ?? 0),
                MasterAddress = NonEmpty(environment(TrainerEnvironment.MasterAddr)) ?? "127.0.0.1",
                MasterPort = (int)(Number(environment, TrainerEnvironment.MasterPort, min: 1) ?? 29500),
            };
            if (options.Rank >= options.WorldSize)
            {
                throw new SpecRejectedException([new(TrainerEnvironment.Rank, $"must be less than {TrainerEnvironment.WorldSize} ({options.WorldSize})")]);
            }

            if (options.TelemetryUrl is not null && !Uri.TryCreate(options.TelemetryUrl, UriKind.Absolute, out _))
            {
                throw new SpecRejectedException([new("--telemetry-url", "must be an absolute http(s) URL")]);
            }

            if (!ComputeBackends.Devices.Contains(options.Device))
            {
                throw new SpecRejectedException([new("--device", $"must be one of {string.Join(", ", ComputeBackends.Devices)}")]);
            }
        }
        catch (SpecRejectedException ex)
        {
            await error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return TrainerExitCodes.InvalidSpec;
        }

        return await TrainerHost.RunAsync(options, output, error, TimeProvider.System, cancellationToken).ConfigureAwait(false);
    }

    private static SpecRejectedException Missing(string option, string variable) =>
        new([new(option, $"is required (or set {variable})")]);

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static long? Number(Func<string, string?> environment, string variable, long min)
    {
        var text = NonEmpty(environment(variable));
        if (text is null)
        {
            return null;
        }

        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > int.MaxValue)
        {
            throw new SpecRejectedException([new(variable, $"must be a whole number of at least {min}, got '{text}'")]);
        }

        return value;
    }
}
