using Scheduler.Admission.Calibration;
using Scheduler.Domain.Catalog;
using Scheduler.Domain.Specs;

namespace Scheduler.Admission.Accuracy;

/// <summary>
/// Fits <see cref="MfuModel"/> to published efficiency measurements (mfu-measurements.csv):
/// <list type="number">
/// <item>each row becomes a spec with the layout the source ran (<see cref="ReferenceSpecs.MfuMeasurement"/>);</item>
/// <item>the measured step time follows from the reported MFU (model FLOPs, or executed FLOPs for "hardware" rows);</item>
/// <item>the MFU the estimator needs is the value at which its step time — compute plus the element-wise kernels,
/// communication and pipeline bubble it prices for that layout — equals the measured one (bisection: step time falls as
/// MFU rises);</item>
/// <item>ln(that ÷ the GPU type's catalog MFU) is regressed on <see cref="MfuModel.Features"/> by least squares.</item>
/// </list>
/// Rows whose GPU type the catalog lacks (TPUs) are listed and skipped.
/// </summary>
public static class MfuFit
{
    /// <param name="publishedRunsCsv">
    /// The fitted published runs (published-runs.csv): each adds the MFU at which the estimated GPU-hours equal the reported
    /// ones. The held-out runs never enter the fit.
    /// </param>
    public static MfuFitResult Fit(string mfuMeasurementsCsv, string? publishedRunsCsv, GpuCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(mfuMeasurementsCsv);
        ArgumentNullException.ThrowIfNull(catalog);
        var estimator = new Estimator(catalog);
        var points = ReferenceCsv.Parse(mfuMeasurementsCsv)
            .Where(row => catalog.Contains(row.Text("gpu_type")))
            .Select(row => Implied(row, estimator, catalog))
            .Concat(ReferenceCsv.Parse(publishedRunsCsv ?? string.Empty)
                .Where(row => catalog.Contains(row.Text("gpu_type")))
                .Select(row => ImpliedByGpuHours(row, estimator, catalog)))
            .ToList();
        var coefficients = LeastSquares(points.Select(p => (p.Features, Math.Log(p.Implied / p.CatalogMfu))).ToList());
        var rows = points.Select(p =>
        {
            var fitted = Math.Clamp(p.CatalogMfu * Math.Exp(Dot(coefficients, p.Features)), MfuModel.Floor, MfuModel.Ceiling);
            return new MfuFitRow(p.Name, p.GpuType, p.Parameters, p.Gpus, p.Reported, p.Implied, fitted, p.Source);
        }).ToList();
        return new MfuFitResult(coefficients[0], coefficients[1], coefficients[2], coefficients[3], rows);
    }

    private static Point Implied(ReferenceRow row, Estimator estimator, GpuCatalog catalog)
    {
        var spec = ReferenceSpecs.MfuMeasurement(row);
        var gpu = catalog.Get(row.Text("gpu_type"));
        var reported = row.RequiredNumber("reported_mfu");
        var probe = estimator.Estimate(spec);
        var modelFlops = row.Text("basis") == "hardware"
            ? probe.FlopsPerToken
            : estimator.Estimate(spec with { Training = spec.Training! with { ActivationCheckpointing = ActivationCheckpointing.None } }).FlopsPerToken;
        var tokensPerStep = probe.Tokens / probe.Steps;
        var measuredStep = tokensPerStep * modelFlops / (probe.Gpus * probe.PeakTflopsPerGpu * 1e12 * reported);
        var implied = Bisect(m => estimator.Estimate(spec, new MfuTable([new CalibratedMfu(gpu.Name, probe.SizeBand, m, 1)])).StepSeconds > measuredStep);
        var features = MfuModel.Features(probe.ActiveParameters, probe.Gpus);
        return new Point(row.Text("name"), gpu.Name, probe.Parameters, probe.Gpus, reported, implied, gpu.DefaultMfu,
            [1, features.Small, features.Large, features.Scale], row.Text("source"));
    }

    private static Point ImpliedByGpuHours(ReferenceRow row, Estimator estimator, GpuCatalog catalog)
    {
        var spec = ReferenceSpecs.PublishedRun(row);
        var gpu = catalog.Get(row.Text("gpu_type"));
        var reported = row.RequiredNumber("gpu_hours");
        var probe = estimator.Estimate(spec);
        var implied = Bisect(m => estimator.Estimate(spec, new MfuTable([new CalibratedMfu(gpu.Name, probe.SizeBand, m, 1)])).GpuHours > reported);
        var features = MfuModel.Features(probe.ActiveParameters, probe.Gpus);
        var reportedMfu = probe.FlopsTotal / (reported * 3600 * probe.PeakTflopsPerGpu * 1e12);
        return new Point(row.Text("name") + " (GPU-hours)", gpu.Name, probe.Parameters, probe.Gpus, reportedMfu, implied, gpu.DefaultMfu,
            [1, features.Small, features.Large, features.Scale], row.Text("source"));
    }

    /// <summary>The MFU where <paramref name="tooSlow"/> turns false (the estimate no longer exceeds the measurement).</summary>
    private static double Bisect(Func<double, bool> tooSlow)
    {
        double low = 0.01, high = 2;
        for (var i = 0; i < 60; i++)
        {
            var mid = (low + high) / 2;
            if (tooSlow(mid))
            {
                low = mid;
            }
            else
            {
                high = mid;
            }
        }

        return (low + high) / 2;
    }

    /// <summary>Ordinary least squares by the normal equations (4 unknowns), Gaussian elimination with partial pivoting.</summary>
    private static double[] LeastSquares(IReadOnlyList<(double[] X, double Y)> points)
    {
        const int n = 4;
        var a = new double[n, n + 1];
        foreach (var (x, y) in points)
        {
            for (var i = 0; i < n; i++)
            {
                for (var j = 0; j < n; j++)
                {
                    a[i, j] += x[i] * x[j];
                }

                a[i, n] += x[i] * y;
            }
        }

        for (var col = 0; col < n; col++)
        {
            var pivot = Enumerable.Range(col, n - col).MaxBy(r => Math.Abs(a[r, col]));
            for (var j = 0; j <= n; j++)
            {
                (a[col, j], a[pivot, j]) = (a[pivot, j], a[col, j]);
            }

            for (var r = 0; r < n; r++)
            {
                if (r == col || a[col, col] == 0)
                {
                    continue;
                }

                var factor = a[r, col] / a[col, col];
                for (var j = col; j <= n; j++)
                {
                    a[r, j] -= factor * a[col, j];
                }
            }
        }

        return Enumerable.Range(0, n).Select(i => a[i, i] == 0 ? 0 : a[i, n] / a[i, i]).ToArray();
    }

    private static double Dot(double[] coefficients, double[] x) => coefficients.Zip(x, (c, v) => c * v).Sum();

    private sealed record Point(
        string Name, string GpuType, double Parameters, double Gpus, double Reported, double Implied, double CatalogMfu, double[] Features, string Source);
}

/// <summary>The fitted coefficients of <see cref="MfuModel"/> and each measurement's residual.</summary>
public sealed record MfuFitResult(double Offset, double SmallModelPerDecade, double LargeModelPerDecade, double PerGpuDoubling, IReadOnlyList<MfuFitRow> Rows);

/// <summary>One measurement: the reported MFU, the MFU it implies for the estimator (net of priced overheads) and the fitted default.</summary>
public sealed record MfuFitRow(string Case, string GpuType, double Parameters, double Gpus, double Reported, double Implied, double Fitted, string Source)
{
    /// <summary>(fitted − implied) ÷ implied, in percent.</summary>
    public double ResidualPercent => (Fitted - Implied) / Implied * 100;
}
