using Scheduler.Domain.Catalog;
using Scheduler.Domain.Workloads;
using Scheduler.Trainer.Checkpoints;
using Scheduler.Trainer.Compute;
using Scheduler.Trainer.Data;
using Scheduler.Trainer.Distributed;
using Scheduler.Trainer.Telemetry;
using Scheduler.Trainer.Training;

namespace Scheduler.Trainer.Hosting;

/// <summary>Wires the trainer from its options: spec, backend, data, checkpoints, ranks, telemetry, signals; maps failures to exit codes.</summary>
internal static class TrainerHost
{
    public static async Task<int> RunAsync(TrainerOptions options, TextWriter output, TextWriter error, TimeProvider time, CancellationToken cancellationToken)
    {
        using var stop = new StopSignal(output);
        try
        {
            if (!File.Exists(options.SpecPath))
            {
                throw new SpecRejectedException([new("--spec", $"file '{options.SpecPath}' does not exist")]);
            }

            var plan = TrainerSpecLoader.Load(await File.ReadAllTextAsync(options.SpecPath, cancellationToken).ConfigureAwait(false), GpuCatalog.Default, options.WorldSize);
            using var tokenFile = plan.DataPath is null ? null : OpenTokenFile(plan);
            ITokenSource data = tokenFile is null ? new SyntheticCorpus(plan.Model.VocabSize, plan.Model.SeqLength, plan.Seed) : tokenFile;
            using var reducer = options.WorldSize > 1
                ? await RingAllReduce.ConnectAsync(options.Rank, options.WorldSize, options.MasterAddress, options.MasterPort, output, cancellationToken).ConfigureAwait(false)
                : null;
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            if (options.TelemetryToken is { } telemetryToken)
            {
                http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", telemetryToken);
            }
            await using var telemetry = options.TelemetryUrl is null ? null : new HttpTelemetrySink(http, new Uri(options.TelemetryUrl), time, error);

            // After the last await: a CUDA context is current on the thread that creates it, and training runs on this thread.
            using var ops = ComputeBackends.Create(options.Device, output);
            if (ComputeBackends.CatalogType(ops, GpuCatalog.Default) is { } detected && detected.Name != plan.GpuType)
            {
                // MFU is measured against the GPU the job actually got, not the first alternative it asked for.
                plan = plan with { GpuType = detected.Name, PeakBf16Tflops = detected.Bf16Tflops };
            }

            var context = new TrainerContext(ops, data, options.CheckpointDirectory, time, output, () => stop.Requested, telemetry, reducer);
            return new TrainingLoop(plan, options, context).Run(cancellationToken);
        }
        catch (SpecRejectedException ex)
        {
            await error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return TrainerExitCodes.InvalidSpec;
        }
        catch (IncompatibleCheckpointException ex)
        {
            await error.WriteLineAsync($"invalid checkpoint directory {options.CheckpointDirectory}: {ex.Message}").ConfigureAwait(false);
            return TrainerExitCodes.InvalidSpec;
        }
        catch (InvalidTokenDataException ex)
        {
            await error.WriteLineAsync($"invalid token file: {ex.Message}").ConfigureAwait(false);
            return TrainerExitCodes.InvalidData;
        }
        catch (DeviceUnavailableException ex)
        {
            await error.WriteLineAsync($"device unavailable: {ex.Message}").ConfigureAwait(false);
            return TrainerExitCodes.DeviceUnavailable;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            // Checkpoint I/O, device or network failures: worth a retry, unlike a bad spec.
            await error.WriteLineAsync($"trainer failed: {ex}").ConfigureAwait(false);
            return TrainerExitCodes.Failed;
        }
    }

    private static TokenFile OpenTokenFile(TrainingPlan plan)
    {
        if (!File.Exists(plan.DataPath))
        {
            throw new SpecRejectedException([new("training.dataPath", $"file '{plan.DataPath}' does not exist in the container")]);
        }

        return new TokenFile(plan.DataPath!, plan.Model.VocabSize, plan.Model.SeqLength);
    }
}
