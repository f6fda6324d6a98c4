using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Scheduler.Admission.Advice;
using Scheduler.Admission.Tests.Support;
using Scheduler.Domain.Catalog;
using Scheduler.Domain.Queues;
using Scheduler.Domain.Specs;
using Scheduler.Testing.Builders;

namespace Scheduler.Admission.Tests.Advice;

public sealed class LayoutAdvisorTests
{
    private static readonly Estimator Estimator = new(GpuCatalog.Default);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static JobSpec Normalized(JobSpecBuilder builder) => JobSpecNormalizer.Normalize(builder.Build());

    /// <summary>
    /// A 1.3B GPT on 16 GPUs in 8 pipeline stages with 2 micro-batches per step: mostly bubble. Its own image (a framework
    /// with pipelines) by default, so every layout is advised; without one the bundled trainer runs it.
    /// </summary>
    private static JobSpec BubbleBound(string? image = "registry.example/megatron:1") => Normalized(JobSpecBuilder.AJob("bubbly")
        .Model(m => m with { Layers = 24, HiddenSize = 2048, Heads = 16, SeqLength = 2048 })
        .Gpus(16, gpusPerNode: 8)
        .Parallelism(p => p with { Data = 2, Pipeline = 8 })
        .Training(t => t with { Tokens = 1e10, GlobalBatchSize = 4, MicroBatchSize = 1 })
        .With(s => s with { Container = image is null ? null : new ContainerSpec { Image = image } }));

    /// <summary>Applies an option's changes (JSON paths → values) to the spec the way a person would edit it.</summary>
    private static JobSpec Apply(JobSpec spec, IReadOnlyDictionary<string, string> changes)
    {
        var json = JsonNode.Parse(JobSpecJson.Serialize(spec))!.AsObject();
        foreach (var (path, value) in changes)
        {
            var parts = path.Split('.');
            var section = json[parts[0]] as JsonObject ?? new JsonObject();
            json[parts[0]] = section;
            section[parts[1]] = value switch
            {
                "true" => true,
                "false" => false,
                _ when int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) => number,
                _ => value,
            };
        }

        return JsonSerializer.Deserialize<JobSpec>(json.ToJsonString(), JobSpecJson.Options)!;
    }

    [Fact]
    public void A_pipeline_that_idles_in_its_bubble_gets_a_cheaper_layout_and_says_why()
    {
        var advice = Estimator.Advise(BubbleBound(), cancellationToken: Ct);

        Assert.StartsWith("pipeline 8 with 2 micro-batches per pipeline spends", advice.Summary, StringComparison.Ordinal);
        Assert.Contains("of each step in the bubble", advice.Summary, StringComparison.Ordinal);
        var best = advice.CheapestGpuHours[0];
        Assert.True(best.GpuHours < advice.Submitted.GpuHours * 0.6, $"{best.Description}: {best.Saving}");
        Assert.StartsWith("-", best.Saving, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_are_ranked_fit_their_gpus_and_the_fastest_list_is_ordered_by_wall_time()
    {
        var advice = Estimator.Advise(BubbleBound(), cancellationToken: Ct);

        Assert.Equal(5, advice.CheapestGpuHours.Count);
        Assert.Equal(advice.CheapestGpuHours.OrderBy(o => o.GpuHours).Select(o => o.GpuHours), advice.CheapestGpuHours.Select(o => o.GpuHours));
        Assert.Equal(advice.FastestWallTime.OrderBy(o => o.WallHours).Select(o => o.WallHours), advice.FastestWallTime.Select(o => o.WallHours));
        Assert.All(advice.CheapestGpuHours.Concat(advice.FastestWallTime), o =>
        {
            Assert.True(o.Fits);
            Assert.True(o.MemoryPerGpuGiB <= GpuCatalog.Default.Get(o.GpuType).MemoryGiB);
        });
        Assert.True(advice.LayoutsFeasible <= advice.LayoutsConsidered);
    }

    [Fact]
    public void Every_option_applied_to_the_spec_is_valid_and_estimates_to_the_advised_price()
    {
        var spec = BubbleBound();
        var validator = new JobSpecValidator(GpuCatalog.Default, PriorityClasses.Default);
        var advice = Estimator.Advise(spec, cancellationToken: Ct);

        Assert.All(advice.CheapestGpuHours.Concat(advice.FastestWallTime), option =>
        {
            var changed = Apply(spec, option.Changes);
            Assert.Empty(validator.Check(changed));
            var estimate = Estimator.Estimate(JobSpecNormalizer.Normalize(changed));
            Assert.True(estimate.Fits, option.Description);
            Assert.Equal(option.GpuHours, estimate.GpuHours, option.GpuHours * 1e-9);
            Assert.Equal(option.MemoryPerGpuGiB, estimate.MemoryPerGpuGiB.Total, 1e-9);
        });
    }

    [Fact]
    public void A_job_that_does_not_fit_is_shown_layouts_that_do()
    {
        var spec = Normalized(AdmissionSpecs.SevenBillionOnOneGpu("seven-b").Gpus(8, gpusPerNode: 8).Parallelism(p => p with { Data = 8 })
            .Training(t => t with { MicroBatchSize = 4, GlobalBatchSize = 64 }));

        var estimate = Estimator.Estimate(spec);
        var advice = Estimator.Advise(spec, cancellationToken: Ct);

        Assert.False(estimate.Fits);
        Assert.False(advice.Submitted.Fits);
        Assert.NotEmpty(advice.CheapestGpuHours);
        Assert.All(advice.CheapestGpuHours, o => Assert.StartsWith("fits where the submitted layout does not", o.Saving, StringComparison.Ordinal));
    }

    [Fact]
    public void Advice_is_deterministic()
    {
        var first = JsonSerializer.Serialize(Estimator.Advise(BubbleBound(), cancellationToken: Ct), JobSpecJson.Options);
        var second = JsonSerializer.Serialize(Estimator.Advise(BubbleBound(), cancellationToken: Ct), JobSpecJson.Options);

        Assert.Equal(first, second);
    }

    [Fact]
    public void Gpu_type_alternatives_are_all_searched()
    {
        var spec = BubbleBound() with { Resources = BubbleBound().Resources! with { GpuType = "A100-80GB|H100-SXM" } };

        var advice = Estimator.Advise(spec, top: 50, cancellationToken: Ct);

        Assert.Contains(advice.CheapestGpuHours, o => o.GpuType == "H100-SXM");
        Assert.Contains(advice.CheapestGpuHours.Concat(advice.FastestWallTime), o => o.Changes.ContainsKey("resources.gpuType") == (o.GpuType != "A100-80GB"));
    }

    [Fact]
    public void A_job_the_bundled_trainer_runs_is_advised_only_the_layouts_it_runs()
    {
        Assert.Equal(LayoutScope.DataParallel, Estimator.ScopeOf(BubbleBound(image: null)));
        Assert.Equal(LayoutScope.Any, Estimator.ScopeOf(BubbleBound()));
        Assert.Equal(LayoutScope.Any, Estimator.ScopeOf(Normalized(JobSpecBuilder.AJob().Model(Jobs.Llama7B))));

        var advice = Estimator.Advise(BubbleBound(image: null), top: 5, cancellationToken: Ct);

        var options = advice.CheapestGpuHours.Concat(advice.FastestWallTime).ToList();
        Assert.NotEmpty(options);
        foreach (var option in options)
        {
            var spec = Apply(BubbleBound(image: null), option.Changes).Parallelism!;
            Assert.Equal((1, 1, 0), (spec.Tensor, spec.Pipeline, spec.ZeroStage));
            Assert.True(spec.Context is null or 1, option.Description);
            Assert.DoesNotContain("training.activationCheckpointing", option.Changes.Keys);
        }

        Assert.True(options[0].GpuHours < advice.Submitted.GpuHours, advice.Summary);
    }

    [Fact]
    public void A_cancelled_search_stops_instead_of_answering()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.Throws<OperationCanceledException>(() => Estimator.Advise(BubbleBound(), cancellationToken: cancelled.Token));
    }
}
