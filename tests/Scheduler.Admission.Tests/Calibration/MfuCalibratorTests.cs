using Scheduler.Admission.Calibration;
using Scheduler.Admission.Tests.Support;
using Scheduler.Domain.Catalog;
using Scheduler.Testing.Builders;

namespace Scheduler.Admission.Tests.Calibration;

public sealed class MfuCalibratorTests
{
    private static readonly GpuType A100 = GpuCatalog.Default.Get("A100-80GB"); // default MFU 0.45

    private static IEnumerable<MfuSample> Samples(double mfu, int count, double parameters = 7e9, string gpu = "A100-80GB") =>
        Enumerable.Repeat(new MfuSample(gpu, parameters, mfu), count);

    private static MfuTable Calibrate(IEnumerable<MfuSample> samples) => MfuCalibrator.Calibrate(samples, GpuCatalog.Default);

    [Fact]
    public void Without_enough_samples_the_catalog_default_stays()
    {
        var table = Calibrate(Samples(0.3, 4));

        Assert.Equal(new MfuChoice(0.45, "default"), table.Lookup(A100, ModelSizeBand.From1BTo10B));
    }

    [Fact]
    public void The_median_ignores_a_minority_of_wild_outliers()
    {
        var samples = Samples(0.50, 5).Concat(Samples(0.52, 4)).Concat(Samples(0.99, 3)).Concat(Samples(0.001, 3));

        var choice = Calibrate(samples).Lookup(A100, ModelSizeBand.From1BTo10B);

        Assert.Equal(new MfuChoice(0.50, "calibrated (n=15)"), choice);
    }

    [Theory]
    [InlineData(0.95, 0.80)]  // never above the ceiling
    [InlineData(0.06, 0.225)] // never below half the default
    public void Calibrated_values_are_bounded(double measured, double expected)
    {
        Assert.Equal(expected, Calibrate(Samples(measured, 10)).Lookup(A100, ModelSizeBand.From1BTo10B).Value);
    }

    [Fact]
    public void Broken_samples_and_unknown_gpu_types_are_not_counted()
    {
        var samples = Samples(0.4, 4)
            .Concat([new MfuSample("A100-80GB", 7e9, double.NaN), new MfuSample("A100-80GB", 7e9, -0.3), new MfuSample("A100-80GB", 7e9, 1.7)])
            .Concat(Samples(0.4, 3, gpu: "GPU-from-nowhere"));

        var table = Calibrate(samples);

        Assert.Empty(table.Entries);
        Assert.Equal("default", table.Lookup(A100, ModelSizeBand.From1BTo10B).Source);
    }

    [Fact]
    public void Each_gpu_type_and_size_band_is_calibrated_on_its_own()
    {
        var table = Calibrate(Samples(0.30, 5, parameters: 70e9).Concat(Samples(0.55, 5, parameters: 125e6)));

        Assert.Equal(0.30, table.Lookup(A100, ModelSizeBand.From10BTo100B).Value);
        Assert.Equal(0.55, table.Lookup(A100, ModelSizeBand.Under1B).Value);
        Assert.Equal("default", table.Lookup(A100, ModelSizeBand.From1BTo10B).Source);
        Assert.Equal("default", table.Lookup(GpuCatalog.Default.Get("H100-SXM"), ModelSizeBand.Under1B).Source);
    }

    [Theory]
    [InlineData(999e6, ModelSizeBand.Under1B)]
    [InlineData(1e9, ModelSizeBand.From1BTo10B)]
    [InlineData(70e9, ModelSizeBand.From10BTo100B)]
    [InlineData(175e9, ModelSizeBand.From100B)]
    public void Size_bands_split_at_powers_of_ten(double parameters, ModelSizeBand band) =>
        Assert.Equal(band, ModelSizeBands.Of(parameters));

    [Fact]
    public void Estimates_use_the_calibrated_mfu_and_say_so()
    {
        var table = Calibrate(Samples(0.30, 6, parameters: 124e6));

        var calibrated = Jobs.Estimate(JobSpecBuilder.AJob(), calibration: table);
        var uncalibrated = Jobs.Estimate(JobSpecBuilder.AJob());

        Assert.Equal(0.30, calibrated.Mfu);
        Assert.Equal("calibrated (n=6)", calibrated.MfuSource);
        // The matmuls slow in proportion; the memory-bound element-wise kernels do not depend on the MFU.
        Assert.Equal(uncalibrated.StepBreakdown.Compute * uncalibrated.Mfu / 0.30, calibrated.StepBreakdown.Compute, 9);
        Assert.Equal(uncalibrated.StepBreakdown.Elementwise, calibrated.StepBreakdown.Elementwise, 12);
    }

    [Fact]
    public void A_sample_from_throughput_is_in_the_estimators_own_units()
    {
        var estimate = Jobs.Estimate(JobSpecBuilder.AJob());
        var tokensPerSecond = 8 * 1024 / estimate.StepSeconds;

        var sample = MfuSample.FromThroughput(estimate, tokensPerSecond);

        Assert.Equal(312, estimate.PeakTflopsPerGpu);
        Assert.Equal(estimate.Mfu, sample.Mfu, 12);
        Assert.Equal(estimate.Parameters, sample.Parameters);
    }

    [Fact]
    public void A_sample_leaves_out_the_overheads_the_estimate_adds_so_calibrating_on_it_reproduces_the_throughput()
    {
        // Pipeline bubble, tensor-parallel all-reduces and element-wise kernels all sit on top of the matmuls.
        var job = JobSpecBuilder.AJob().Model(Jobs.Llama7B).Gpus(8)
            .Training(t => t with { GlobalBatchSize = 8 })
            .Parallelism(p => p with { Tensor = 4, Pipeline = 2, Data = 1 });
        var estimate = Jobs.Estimate(job);
        var measured = 0.8 * estimate.Tokens / (estimate.WallHours * 3600);

        var sample = MfuSample.FromThroughput(estimate, measured);
        var recalibrated = Jobs.Estimate(job, calibration: Calibrate(Samples(sample.Mfu, 5, estimate.Parameters)));

        Assert.Equal(measured, recalibrated.Tokens / (recalibrated.WallHours * 3600), 6);
        var plain = measured * estimate.FlopsPerToken / (8 * estimate.PeakTflopsPerGpu * 1e12);
        Assert.True(sample.Mfu > plain, $"{sample.Mfu} should exceed the plain FLOPs ÷ peak {plain}");
    }

    [Fact]
    public void A_throughput_the_priced_overheads_cannot_explain_is_recorded_as_flops_over_peak()
    {
        var estimate = Jobs.Estimate(JobSpecBuilder.AJob());
        var impossible = 100 * estimate.Tokens / (estimate.WallHours * 3600);

        var sample = MfuSample.FromThroughput(estimate, impossible);

        Assert.Equal(impossible * estimate.FlopsPerToken / (estimate.PeakTflopsPerGpu * 1e12), sample.Mfu, 12);
    }
}
