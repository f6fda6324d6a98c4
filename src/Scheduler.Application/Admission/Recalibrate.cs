using Mediator;
using Scheduler.Domain.Catalog;
using Scheduler.Persistence;

namespace Scheduler.Application.Admission;

/// <summary>
/// Recalibrate from the stored samples now (<c>POST /api/v1/calibration</c>), instead of waiting for the next finished
/// job or for the in-memory table to age out.
/// </summary>
public sealed record Recalibrate : ICommand<CalibrationDetails>;

internal sealed class RecalibrateHandler(SchedulerDbContext db, MfuCalibration calibration, GpuCatalog catalog)
    : ICommandHandler<Recalibrate, CalibrationDetails>
{
    public async ValueTask<CalibrationDetails> Handle(Recalibrate command, CancellationToken cancellationToken) =>
        CalibrationDetails.From(await calibration.RecalibrateAsync(db, cancellationToken), catalog);
}
