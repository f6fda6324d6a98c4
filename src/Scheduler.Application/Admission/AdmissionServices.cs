using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Scheduler.Admission;
using Scheduler.Application.Common;
using Scheduler.Application.Jobs;
using Scheduler.Domain.Catalog;

namespace Scheduler.Application.Admission;

internal static class AdmissionServices
{
    /// <summary>
    /// The estimator over the configured catalog, the calibrated MFU table (one per process), submission's admission step,
    /// and the periodic release of budget holds.
    /// </summary>
    public static IServiceCollection AddAdmission(this IServiceCollection services)
    {
        services.TryAddSingleton(provider => new Estimator(provider.GetRequiredService<GpuCatalog>()));
        services.TryAddSingleton<MfuCalibration>();
        services.TryAddScoped<JobAdmission>();
        services.AddScoped<IPipelineBehavior<SubmitJob, Result<SubmittedJob>>, ReplayedSubmissionAdmission>();
        services.AddHostedService<BudgetHoldRelease>();
        return services;
    }
}
