using System.Diagnostics;
using Scheduler.Domain.Workloads;
using Scheduler.Trainer.Checkpoints;
using Scheduler.Trainer.Compute;
using Scheduler.Trainer.Data;
using Scheduler.Trainer.Distributed;
using Scheduler.Trainer.Model;
using Scheduler.Trainer.Telemetry;

namespace Scheduler.Trainer.Training;

/// <summary>What the loop is given besides the plan: its collaborators, so tests can run it in process.</summary>
internal sealed record TrainerContext(
    ITensorOps Ops,
    ITokenSource Data,
    string CheckpointDirectory,
    TimeProvider Time,
    TextWriter Log,
    Func<bool> StopRequested,
    ITelemetrySink? Telemetry = null,
    IGradientReducer? Reducer = null,
    Action<StepReport>? OnStep = null);

/// <summary>
/// The training loop: restore, then per step zero gradients, accumulate micro-batches up to the global batch, all-reduce
/// across ranks, clip by global norm, AdamW with warmup + cosine, checkpoint on the interval, report telemetry.
/// Stops with <see cref="TrainerExitCodes.Checkpointed"/> after a committed checkpoint when a stop is requested.
/// </summary>
internal sealed class TrainingLoop(TrainingPlan plan, TrainerOptions options, TrainerContext context)
{
    private readonly ParameterLayout _layout = new(plan.Model);
    private CheckpointStore? _checkpoints;

    private CheckpointStore Checkpoints => _checkpoints ??= new CheckpointStore(context.CheckpointDirectory, Fingerprint);

    public string Fingerprint => $"gpt L{plan.Model.Layers} h{plan.Model.HiddenSize} a{plan.Model.Heads}/{plan.Model.KvHeads} f{plan.Model.FfnHiddenSize} " +
                                 $"V{plan.Model.VocabSize} T{plan.Model.SeqLength} tied={plan.Model.TiedEmbeddings} N={_layout.Count}";

    private int Rank => context.Reducer?.Rank ?? 0;

    private int WorldSize => context.Reducer?.WorldSize ?? 1;

    public int Run(CancellationToken cancellationToken)
    {
        var ops = context.Ops;
        var log = context.Log;
        var state = Restore();
        var target = Math.Min(plan.TotalSteps, options.MaxSteps ?? long.MaxValue);
        var startStep = state.Step;
        using var model = new GptModel(ops, _layout, plan.MicroBatchSize, plan.Bf16);
        ops.Upload<float>(state.Weights, model.Weights.View);
        ops.Upload<float>(state.FirstMoment, model.FirstMoment.View);
        ops.Upload<float>(state.SecondMoment, model.SecondMoment.View);

        var batch = (Inputs: new int[model.Rows], Targets: new int[model.Rows]);
        var reduced = context.Reducer is null ? null : new float[_layout.Count + 2];
        long? lastCheckpoint = state.Step > 0 ? state.Step : null;
        var flopsPerToken = plan.Model.FlopsPerToken(_layout.Count);
        log.WriteLine($"trainer: job {options.JobId ?? "(no SCHEDULER_JOB_ID)"}, {Fingerprint}, device {ops.Device}, rank {Rank}/{WorldSize}, steps {state.Step} → {target} " +
                      $"(global batch {plan.GlobalBatchSize} × {plan.Model.SeqLength} tokens, micro-batch {plan.MicroBatchSize}, {(plan.Bf16 ? "bf16" : "fp32")})");
        TelemetrySample? last = null;

        while (state.Step < target)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var started = context.Time.GetTimestamp();
            var (loss, stop) = AccumulateGradients(model, state, batch, reduced);
            var norm = Math.Sqrt(ops.SumOfSquares(model.Gradients.View));
            var learningRate = plan.LearningRateAt(state.Step);
            AdamWOptimizer.Step(model, plan, state.Step + 1, learningRate, norm);
            state.Step++;
            state.Cursor = context.Data.Advance(state.Cursor, plan.GlobalBatchSize);
            ops.Synchronize();
            var seconds = context.Time.GetElapsedTime(started).TotalSeconds;
            var tokensPerSecond = plan.TokensPerStep / Math.Max(seconds, 1e-9);
            var report = new StepReport(state.Step, loss, learningRate, norm, seconds, tokensPerSecond);
            context.OnStep?.Invoke(report);
            log.WriteLine(FormattableString.Invariant(
                $"step={report.Step} loss={report.Loss:R} lr={learningRate:e3} norm={norm:f4} dt={seconds * 1000:f1}ms tok/s={tokensPerSecond:f0}"));

            var checkpointDue = state.Step % plan.CheckpointIntervalSteps == 0 || stop || state.Step == target;
            if (checkpointDue)
            {
                SaveCheckpoint(model, state);
                lastCheckpoint = state.Step;
            }

            var telemetryDue = Rank == 0 && context.Telemetry is not null && (state.Step % options.TelemetryEverySteps == 0 || stop || state.Step == target);
            if (telemetryDue)
            {
                last = Sample(report, flopsPerToken, lastCheckpoint);
                if (state.Step % options.TelemetryEverySteps == 0)
                {
                    context.Telemetry!.Report(last);
                }
            }

            if (stop)
            {
                log.WriteLine($"trainer: stop requested; checkpoint of step {state.Step} committed, exiting {TrainerExitCodes.Checkpointed}");
                ReportFinal(last, TelemetrySample.PreemptedExitReason);
                return TrainerExitCodes.Checkpointed;
            }
        }

        if (state.Step == startStep)
        {
            log.WriteLine($"trainer: already at step {state.Step} of {target}; nothing to do");
        }

        ReportFinal(last, TelemetrySample.FinishedExitReason);
        return TrainerExitCodes.Finished;
    }

    /// <summary>
    /// Zeroes the gradients, accumulates this rank's micro-batches (each scaled so the sum over all ranks is the mean over
    /// the global batch), then sums gradients, loss and the stop flag over the ranks. Returns the global mean loss and
    /// whether any rank was asked to stop.
    /// </summary>
    private (double Loss, bool Stop) AccumulateGradients(GptModel model, TrainingState state, (int[] Inputs, int[] Targets) batch, float[]? reduced)
    {
        var ops = context.Ops;
        var length = plan.Model.SeqLength;
        var microSteps = plan.GlobalBatchSize / (plan.MicroBatchSize * WorldSize);
        var gradientScale = 1f / ((float)plan.GlobalBatchSize * length);
        ops.Fill(model.Gradients.View, 0f);
        var loss = 0.0;
        for (var micro = 0; micro < microSteps; micro++)
        {
            var first = (Rank * microSteps + micro) * plan.MicroBatchSize;
            for (var s = 0; s < plan.MicroBatchSize; s++)
            {
                context.Data.Read(state.Cursor, first + s, batch.Inputs.AsSpan(s * length, length), batch.Targets.AsSpan(s * length, length));
            }

            loss += model.ForwardBackward(batch.Inputs, batch.Targets, gradientScale);
        }

        loss /= microSteps;
        var stop = context.StopRequested();
        if (reduced is null)
        {
            return (loss, stop);
        }

        var count = (int)_layout.Count;
        ops.Download(model.Gradients.View, reduced.AsSpan(0, count));
        reduced[^2] = (float)loss;
        reduced[^1] = stop ? 1f : 0f;
        context.Reducer!.AllReduceSum(reduced);
        ops.Upload<float>(reduced.AsSpan(0, count), model.Gradients.View);
        return (reduced[^2] / WorldSize, reduced[^1] > 0);
    }

    private void ReportFinal(TelemetrySample? last, string reason)
    {
        if (Rank == 0 && last is not null)
        {
            context.Telemetry?.Report(last with { Final = true, ExitReason = reason, Timestamp = context.Time.GetUtcNow() });
        }
    }

    private TelemetrySample Sample(StepReport report, double flopsPerToken, long? lastCheckpoint)
    {
        var achieved = flopsPerToken * report.TokensPerSecond / 1e12;
        var peakBytes = context.Ops.Device == "cpu" ? Process.GetCurrentProcess().PeakWorkingSet64 : context.Ops.PeakAllocatedBytes;
        return new TelemetrySample
        {
            Step = report.Step,
            Tokens = report.Step * plan.TokensPerStep,
            Loss = report.Loss,
            TokensPerSecond = report.TokensPerSecond,
            StepSeconds = report.StepSeconds,
            AchievedTflops = achieved,
            Mfu = achieved / (plan.PeakBf16Tflops * WorldSize),
            PeakMemoryGiB = peakBytes / (double)(1L << 30),
            LastCheckpointStep = lastCheckpoint,
            Timestamp = context.Time.GetUtcNow(),
            Device = context.Ops.Device,
            WorldSize = WorldSize,
            Final = false,
        };
    }

    /// <summary>The newest committed checkpoint, else fresh weights; with several ranks, rank 0's view wins.</summary>
    private TrainingState Restore()
    {
        TrainingState? state = null;
        if (Rank == 0)
        {
            state = Checkpoints.LoadLatest();
            if (state is not null)
            {
                context.Log.WriteLine($"trainer: resuming from the committed checkpoint of step {state.Step} in {Checkpoints.Directory}");
            }
            else
            {
                state = new TrainingState(0, context.Data.Start(), _layout.Initialize(plan.Seed), new float[_layout.Count], new float[_layout.Count]);
            }
        }

        if (context.Reducer is { } reducer)
        {
            using var buffer = new MemoryStream();
            if (state is not null)
            {
                CheckpointFormat.Write(buffer, state, Fingerprint);
            }

            var bytes = reducer.Broadcast(state is null ? null : buffer.ToArray());
            state = CheckpointFormat.Read(new MemoryStream(bytes), Fingerprint);
        }

        return state!;
    }

    private void SaveCheckpoint(GptModel model, TrainingState state)
    {
        if (Rank != 0)
        {
            return;
        }

        context.Ops.Download(model.Weights.View, state.Weights);
        context.Ops.Download(model.FirstMoment.View, state.FirstMoment);
        context.Ops.Download(model.SecondMoment.View, state.SecondMoment);
        Checkpoints.Save(state);
    }
}
