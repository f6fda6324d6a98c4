using Mediator;
using Scheduler.Admission.Calibration;
using Scheduler.Domain.Catalog;
using Scheduler.Persistence;

namespace Scheduler.Application.Admission;

/// <summary>The MFU table estimates use now (<c>GET /api/v1/calibration</c>); groups it lacks use the catalog default.</summary>
public sealed record GetCalibration : IQuery<CalibrationDetails>;

/// <summary>The calibrated entries, the samples they stand on, when the table was built, and the defaults per GPU type.</summary>
public sealed record CalibrationDetails(
    IReadOnlyList<CalibratedMfu> Entries,
    int Samples,
    DateTimeOffset CalibratedAt,
    IReadOnlyDictionary<string, double> DefaultMfu,
    MfuCalibrationOptions Rules)
{
    internal static CalibrationDetails From(CalibrationSnapshot snapshot, GpuCatalog catalog) => new(
        [.. snapshot.Table.Entries.OrderBy(e => e.GpuType, StringComparer.Ordinal).ThenBy(e => e.Band)],
        snapshot.Samples,
        snapshot.CalibratedAt,
        catalog.Names.ToDictionary(name => name, name => catalog.Get(name).DefaultMfu, StringComparer.Ordinal),
        new MfuCalibrationOptions());
}

internal sealed class GetCalibrationHandler(SchedulerDbContext db, MfuCalibration calibration, GpuCatalog catalog)
    : IQueryHandler<GetCalibration, CalibrationDetails>
{
    public async ValueTask<CalibrationDetails> Handle(GetCalibration query, CancellationToken cancellationToken) =>
        CalibrationDetails.From(await calibration.CurrentAsync(db, cancellationToken), catalog);
}
