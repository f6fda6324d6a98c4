using k8s;
using Mediator;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;
using Scheduler.Application.Common;
using Scheduler.Application.Identity;
using Scheduler.Application.Jobs;
using Scheduler.Domain.Catalog;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Queues;
using Scheduler.Kubernetes.Clients;
using Scheduler.Kubernetes.Leadership;
using Scheduler.Kubernetes.Watching;
using Scheduler.Operator.CustomResources;
using Scheduler.Operator.Cycle;
using Scheduler.Operator.Inventory;
using Scheduler.Operator.Metrics;
using Scheduler.Operator.Pods;
using Scheduler.Operator.Store;

namespace Scheduler.Operator.Hosting;

public static class OperatorServices
{
    /// <summary>
    /// The operator loop on the host: the Kubernetes client chosen by <c>Scheduler:Kubernetes:Mode</c> (<see cref="ResolveMode"/>),
    /// node and pod watches, leader election, the Quartz-triggered cycle and the decision applier. <c>Disabled</c> registers
    /// nothing; <c>Simulated</c> needs the simulated cluster's <see cref="IKubernetes"/> registered first (the API host's
    /// <c>AddSimulatedCluster</c>). Needs <c>AddApplicationServices</c> (the store's use cases).
    /// </summary>
    public static IHostApplicationBuilder AddOperator(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var settings = ReadSettings(builder.Configuration);
        var mode = ResolveMode(builder.Configuration);
        if (mode == KubernetesMode.Disabled)
        {
            return builder;
        }

        var services = builder.Services;
        switch (mode)
        {
            case KubernetesMode.InCluster:
                services.TryAddSingleton(_ => ApiRequestResilience.Client(KubernetesClientConfiguration.InClusterConfig(), settings.Kubernetes.Requests));
                break;
            case KubernetesMode.Kubeconfig:
                var path = settings.Kubernetes.Kubeconfig ?? Environment.GetEnvironmentVariable("KUBECONFIG");
                services.TryAddSingleton(_ => ApiRequestResilience.Client(KubernetesClientConfiguration.BuildConfigFromConfigFile(path), settings.Kubernetes.Requests));
                break;
            case KubernetesMode.Simulated when !services.Any(s => s.ServiceType == typeof(IKubernetes)):
                throw new InvalidOperationException(
                    "Scheduler:Kubernetes:Mode is Simulated but no simulated cluster is registered: the host registers it before AddOperator (Scheduler.Api: AddSimulatedCluster).");
        }

        // TrainingJobs and GpuQueues reach PostgreSQL through the same commands as REST.
        services.AddCustomResourceSync(builder.Configuration.GetSection("Scheduler:CustomResources").Get<CustomResourceSyncOptions>());
        return builder.AddOperatorLoop(settings, mode);
    }

    /// <summary>The loop over an <see cref="IKubernetes"/> already registered (tests register one for their fake API server).</summary>
    internal static IHostApplicationBuilder AddOperatorLoop(this IHostApplicationBuilder builder, OperatorSettings settings, KubernetesMode mode)
    {
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(settings);
        services.TryAddSingleton(new ResourceWatcherOptions());
        services.AddSchedulerMetricsRegistry();
        var labels = settings.Kubernetes.NodeLabels;
        var tolerations = TolerationSetting.Resolve(settings.Kubernetes.Tolerations);
        services.TryAddSingleton(provider => new NodeTranslator(provider.GetRequiredService<GpuCatalog>(), labels.ProductMapping, labels.GpuProduct, labels.GpuResource, labels.Topology()));
        services.TryAddSingleton<ClusterInventory>();
        services.TryAddSingleton(provider => new SnapshotBuilder(provider.GetRequiredService<PriorityClasses>(), tolerations.Select(t => t.ToCore()).ToList()));
        services.TryAddSingleton(new JobReconciler(settings.Policy.BackoffLimit, settings.Intervals.NodeNotReadyGrace, settings.Intervals.ContainerStartTimeout));
        services.TryAddSingleton(new OrphanFinder(settings.Intervals.FinishedPodRetention));
        services.TryAddSingleton(new OrphanGuard(settings.Policy.MaxUnknownPodDeletions));
        services.TryAddSingleton<LeadershipTerm>();
        var core = settings.Policy.ToCoreOptions();
        services.TryAddSingleton<CoreSchedule>(snapshot => Core.Cycle.SchedulingCycle.Run(snapshot, core));
        services.TryAddSingleton(provider => new PodFactory(new WorkloadOptions
        {
            TrainerImage = settings.Kubernetes.TrainerImage,
            SchedulerName = settings.Kubernetes.SchedulerName,
            TerminationGracePeriodSeconds = settings.Policy.PreemptionGracePeriodSeconds,
            GpuResource = labels.GpuResource,
            Tolerations = tolerations.Select(t => t.ToPod()).ToList(),
            ControlPlaneUrl = () => settings.Kubernetes.TelemetryUrl ?? OwnAddress(provider, mode),
            Security = provider.GetRequiredService<IOptions<JobPodPolicy>>().Value.Validated(),
            JobNamespace = settings.Kubernetes.DefaultNamespace,
        }, provider.GetService<JobTokens>()));
        if (settings.Kubernetes.ApiQps > 0)
        {
            services.TryAddSingleton(new ApiRateLimit(settings.Kubernetes.ApiQps, Math.Max(1, settings.Kubernetes.ApiBurst)));
        }

        services.TryAddSingleton<WorkloadClient>();
        services.TryAddSingleton<PodLogs>();
        services.TryAddSingleton(provider => new PredictedRuntimes(provider.GetRequiredService<GpuCatalog>()));
        services.TryAddSingleton<ActiveJobCache>();
        services.TryAddSingleton<IOperatorStore, MediatorOperatorStore>();
        services.TryAddSingleton<JobPods>();
        services.TryAddSingleton<PodCreation>();
        if (settings.Kubernetes.PipelinePodCreation)
        {
            services.TryAddSingleton(provider => ActivatorUtilities.CreateInstance<PodCreationPipeline>(provider, Math.Max(1, settings.Kubernetes.ApiParallelism)));
        }

        services.TryAddSingleton<Reconciler>();
        services.TryAddSingleton(provider => ActivatorUtilities.CreateInstance<DecisionApplier>(provider, Math.Max(1, settings.Kubernetes.ApiParallelism)));
        services.TryAddSingleton<OperatorCycle>();
        services.TryAddSingleton(provider => new CycleTrigger(provider.GetRequiredService<TimeProvider>(), settings.Intervals.CycleDebounce, settings.Intervals.SchedulingCycle));
        if (!services.Any(d => d.ImplementationType == typeof(SubmissionTriggersCycle)))
        {
            services.AddSingleton<IPipelineBehavior<SubmitJob, Result<SubmittedJob>>, SubmissionTriggersCycle>();
        }
        services.TryAddSingleton(provider => new LeaderElection(
            provider.GetRequiredService<IKubernetes>(),
            new LeaderElectionOptions
            {
                Namespace = settings.Kubernetes.LeaderElection.Namespace,
                LeaseName = settings.Kubernetes.LeaderElection.LeaseName,
                Identity = settings.Kubernetes.LeaderElection.Identity ?? string.Empty,
                LeaseDuration = settings.Kubernetes.LeaderElection.LeaseDuration,
                RenewDeadline = settings.Kubernetes.LeaderElection.RenewDeadline,
                RetryPeriod = settings.Kubernetes.LeaderElection.RetryPeriod,
            },
            provider.GetRequiredService<ILogger<LeaderElection>>()));
        services.TryAddSingleton<OperatorLoop>();
        services.AddHostedService<InventoryWatcher>();
        services.AddHostedService(provider => provider.GetRequiredService<OperatorLoop>());

        // A scheduler of its own, uniquely named: Quartz keeps schedulers by name per process, and tests run two operators in one.
        services.AddQuartz($"gpu-scheduler-operator-{Guid.NewGuid():N}", quartz =>
        {
            quartz.AddJob<CycleTimerJob>(job => job.WithIdentity(CycleTimerJob.Key));
            quartz.AddTrigger(trigger => trigger
                .ForJob(CycleTimerJob.Key)
                .StartNow()
                .WithSimpleSchedule(schedule => schedule.WithInterval(settings.Intervals.SchedulingCycle).RepeatForever()));
        });
        services.AddQuartzHostedService(options => options.WaitForJobsToComplete = false);
        return builder;
    }

    /// <summary><c>Scheduler:Kubernetes:Mode</c>; unset: Kubeconfig when <c>KUBECONFIG</c> is set, else Simulated.</summary>
    public static KubernetesMode ResolveMode(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return ReadSettings(configuration).Kubernetes.Mode
               ?? (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("KUBECONFIG")) ? KubernetesMode.Simulated : KubernetesMode.Kubeconfig);
    }

    public static OperatorSettings ReadSettings(IConfiguration configuration) => new(
        configuration.GetSection(KubernetesOptions.Section).Get<KubernetesOptions>() ?? new KubernetesOptions(),
        configuration.GetSection(PolicyOptions.Section).Get<PolicyOptions>() ?? new PolicyOptions(),
        configuration.GetSection(IntervalOptions.Section).Get<IntervalOptions>() ?? new IntervalOptions());

    /// <summary>Where this host listens (Simulated mode: the kubelet posts telemetry there), with wildcard hosts made local.</summary>
    private static string OwnAddress(IServiceProvider provider, KubernetesMode mode)
    {
        var address = provider.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        if (address is null)
        {
            return mode == KubernetesMode.Simulated ? "http://127.0.0.1:8080" : "http://gpu-scheduler.gpu-scheduler.svc:8080";
        }

        return address.Replace("://+", "://127.0.0.1", StringComparison.Ordinal).Replace("://*", "://127.0.0.1", StringComparison.Ordinal)
            .Replace("://0.0.0.0", "://127.0.0.1", StringComparison.Ordinal).Replace("://[::]", "://127.0.0.1", StringComparison.Ordinal);
    }
}
