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
        // Our own registry rather than prometheus-net's static default: no shared state between hosts in one process (tests).
        services.TryAddSingleton(_ => new SchedulerMetrics(Prometheus.Metrics.NewCustomRegistry()));
        services.TryAddSingleton<StateGauges>();
        // First in the collection, so the outermost behaviour: it also sees the submissions the validation behaviour rejects.
        if (!services.Any(d => d.ImplementationType == typeof(SubmissionMetrics)))
        {
            services.Insert(0, ServiceDescriptor.Singleton<IPipelineBehavior<SubmitJob, Result<SubmittedJob>>, SubmissionMetrics>());
            services.Insert(0, ServiceDescriptor.Singleton<IPipelineBehavior<TransitionJob, Result<JobDetails>>, FinishedJobMetrics>());
        }

        return services;
    }

    public static IEndpointConventionBuilder MapSchedulerMetrics(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.ServiceProvider.GetRequiredService<StateGauges>().Attach();
        return endpoints.MapMetrics(Path, endpoints.ServiceProvider.GetRequiredService<SchedulerMetrics>().Registry);
    }
}
