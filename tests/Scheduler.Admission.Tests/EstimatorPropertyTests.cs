using CsCheck;
using Scheduler.Admission.Tests.Support;
using Scheduler.Domain.Catalog;
using Scheduler.Domain.Queues;
using Scheduler.Domain.Specs;

namespace Scheduler.Admission.Tests;

/// <summary>Invariants over random valid specs: every field combination the validator accepts gets a sane estimate.</summary>
public sealed class EstimatorPropertyTests
{
    private static readonly JobSpecValidator Validator = new(GpuCatalog.Default, PriorityClasses.Default);
    private static readonly Estimator Estimator = new(GpuCatalog.Default);

    private static readonly Gen<ModelSpec> Models =
        Gen.Select(Gen.OneOf(4, 8, 16, 32, 64), Gen.OneOf(64, 128), Gen.OneOf(1, 2, 4), Gen.OneOf(2, 4, 8, 24, 80),
            Gen.Enum<MlpKind>(), Gen.Enum<PositionEmbedding>(), Gen.OneOf(1000, 32000, 50257), Gen.OneOf(128, 1024, 4096),
            Gen.Bool, Gen.OneOf(0, 1, 2),
            (heads, headSize, kvGroup, layers, mlp, position, vocab, seq, tied, experts) => new ModelSpec
            {
                Layers = layers, HiddenSize = heads * headSize, Heads = heads, KvHeads = heads / kvGroup, Mlp = mlp,
                PositionEmbedding = position, VocabSize = vocab, SeqLength = seq, TiedEmbeddings = tied,
                Moe = experts == 0 ? null : new MoeSpec { Experts = 8, ActiveExperts = experts },
            });

    private static readonly Gen<TrainingSpec> Trainings =
        Gen.Select(Gen.Enum<Precision>(), Gen.Enum<OptimizerKind>(), Gen.Enum<ActivationCheckpointing>(), Gen.Enum<FinetuneMethod>(),
            Gen.OneOf(1, 2, 4), Gen.OneOf(1, 3, 8), Gen.Double[1e6, 1e12],
            (precision, optimizer, recompute, method, micro, accumulation, tokens) => new TrainingSpec
            {
                Tokens = tokens, MicroBatchSize = micro, GlobalBatchSize = micro * accumulation, Precision = precision, Optimizer = optimizer,
                ActivationCheckpointing = recompute,
                Finetune = new FinetuneSpec { Method = method, LoraRank = method == FinetuneMethod.Full ? null : 16 },
            });

    private static readonly Gen<JobSpec> Specs =
        Gen.Select(Models, Trainings, Gen.OneOf(1, 2, 8, 64), Gen.OneOf(1, 2, 4), Gen.OneOf(1, 2), Gen.Int[0, 3], Gen.Bool,
            Gen.OneOf(GpuCatalog.Default.Names.ToArray()), Gen.OneOf(0, 250, 1000),
            (model, training, data, tensor, pipeline, zero, sequenceParallel, gpuType, milli) =>
            {
                var gpus = data * tensor * pipeline;
                return new JobSpec
                {
                    Name = "random", Queue = "research", Model = model,
                    Training = training with { GlobalBatchSize = training.GlobalBatchSize * data },
                    Parallelism = new ParallelismSpec { Data = data, Tensor = tensor, Pipeline = pipeline, ZeroStage = zero, SequenceParallel = sequenceParallel },
                    Resources = new ResourceSpec { GpuType = gpuType, Gpus = gpus, GpuMilli = gpus == 1 && milli is > 0 and < 1000 ? milli : null },
                };
            })
        .Where(spec => Validator.Check(spec).Count == 0)
        .Select(JobSpecNormalizer.Normalize);

    [Fact]
    public void Every_valid_spec_gets_finite_consistent_figures()
    {
        Specs.Sample(spec =>
        {
            var e = Estimator.Estimate(spec);
            var m = e.MemoryPerGpuGiB;
            double[] figures = [e.Parameters, e.TrainableParameters, e.FlopsPerToken, e.FlopsTotal, m.Weights, m.Gradients, m.Optimizer,
                m.Activations, m.Overhead, e.StepSeconds, e.WallHours, e.GpuHours, e.Mfu];
            Assert.All(figures, f => Assert.True(double.IsFinite(f) && f >= 0, $"{f}"));
            Assert.Equal(e.Fits, m.Total <= e.GpuMemoryGiB);
            Assert.Equal(e.Fits, e.Reason is null);
            Assert.Equal(e.WallHours * e.Gpus, e.GpuHours, 9);
            Assert.True(e.TrainableParameters <= e.Parameters);
        }, iter: 300);
    }

    [Fact]
    public void Every_suggestion_is_a_valid_spec_that_fits_with_the_memory_it_states()
    {
        var suggested = 0;
        Specs.Sample(spec =>
        {
            var suggestions = Estimator.Estimate(spec).Suggestions;
            if (suggestions.Count > 0)
            {
                Interlocked.Increment(ref suggested);
            }

            foreach (var suggestion in suggestions)
            {
                var changed = Suggestions.Apply(spec, suggestion.Changes);
                Assert.Empty(Validator.Check(changed));
                var refit = Estimator.Estimate(JobSpecNormalizer.Normalize(changed));
                Assert.True(refit.Fits, suggestion.Description);
                Assert.Equal(suggestion.MemoryPerGpuGiB, refit.MemoryPerGpuGiB.Total, 9);
            }
        }, iter: 1000);

        // Specs that fit have no suggestions; the generator's large shapes make about one in ten not fit. Over 1,000 random
        // specs fewer than 50 would be several standard deviations off (200 specs and a bar of 20 failed by chance in CI).
        Assert.True(suggested >= 50, $"only {suggested} of 1000 specs needed suggestions");
    }

    [Fact]
    public void A_higher_zero_stage_never_needs_more_memory()
    {
        Specs.Where(spec => spec.Parallelism!.ZeroStage < 3).Sample(spec =>
        {
            var higher = spec with { Parallelism = spec.Parallelism! with { ZeroStage = spec.Parallelism.ZeroStage + 1 } };
            var before = Estimator.Estimate(spec).MemoryPerGpuGiB;
            var after = Estimator.Estimate(higher).MemoryPerGpuGiB;
            Assert.True(after.Weights + after.Gradients + after.Optimizer <= before.Weights + before.Gradients + before.Optimizer + 1e-9);
        }, iter: 200);
    }
}
