using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Prometheus;
using Scheduler.Application.Common;
using Scheduler.Application.Jobs;

namespace Scheduler.Operator.Metrics;

/// <summary>Registers <see cref="SchedulerMetrics"/> on its own registry and serves it at <c>/metrics</c>.</summary>
public static class MetricsEndpoints
{
    public const string Path = "/metrics";

    public static IServiceCollection AddSchedulerMetrics(this IServiceCollection services)
    {
        services.AddSchedulerMetricsRegistry();
        services.TryAddSingleton<StateGauges>();
        // First in the collection, so the outermost behaviour: it also sees the submissions the validation behaviour rejects.
        if (!services.Any(d => d.ImplementationType == typeof(SubmissionMetrics)))
        {
            services.Insert(0, ServiceDescriptor.Singleton<IPipelineBehavior<SubmitJob, Result<SubmittedJob>>, SubmissionMetrics>());
            services.Insert(0, ServiceDescriptor.Singleton<IPipelineBehavior<TransitionJob, Result<JobDetails>>, FinishedJobMetrics>());
            services.Insert(0, ServiceDescriptor.Singleton<IPipelineBehavior<HoldJob, Result<JobDetails>>, JobControlMetrics<HoldJob>>());
            services.Insert(0, ServiceDescriptor.Singleton<IPipelineBehavior<ReleaseJob, Result<JobDetails>>, JobControlMetrics<ReleaseJob>>());
            services.Insert(0, ServiceDescriptor.Singleton<IPipelineBehavior<RequeueJob, Result<JobDetails>>, JobControlMetrics<RequeueJob>>());
            services.Insert(0, ServiceDescriptor.Singleton<IPipelineBehavior<UpdateJob, Result<JobDetails>>, JobControlMetrics<UpdateJob>>());
            services.TryAddSingleton<GpuSecondsMetrics>();
            services.Insert(0, ServiceDescriptor.Singleton<IPipelineBehavior<TransitionJob, Result<JobDetails>>>(p => p.GetRequiredService<GpuSecondsMetrics>()));
            services.Insert(0, ServiceDescriptor.Singleton<IPipelineBehavior<CancelJob, Result<JobDetails>>>(p => p.GetRequiredService<GpuSecondsMetrics>()));
        }

        return services;
    }

    /// <summary>
    /// The one registration of <see cref="SchedulerMetrics"/> and its registry, shared by the operator loop (which may be
    /// registered first) and <c>/metrics</c>: a <see cref="CollectorRegistry"/> from the container when there is one, else
    /// a registry of its own, never prometheus-net's static default (no shared state between hosts in one process).
    /// </summary>
    internal static IServiceCollection AddSchedulerMetricsRegistry(this IServiceCollection services)
    {
        services.TryAddSingleton(provider => new SchedulerMetrics(provider.GetService<CollectorRegistry>() ?? Prometheus.Metrics.NewCustomRegistry()));
        return services;
    }

    public static IEndpointConventionBuilder MapSchedulerMetrics(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.ServiceProvider.GetRequiredService<StateGauges>().Attach();
        return endpoints.MapMetrics(Path, endpoints.ServiceProvider.GetRequiredService<SchedulerMetrics>().Registry);
    }
}
