using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Quartz;
using Scheduler.Application.Admission;
using Scheduler.Application.Common;
using Scheduler.Application.Configuration;
using Scheduler.Application.Idempotency;
using Scheduler.Application.Identity;
using Scheduler.Application.Jobs;
using Scheduler.Application.Queues;
using Scheduler.Domain.Catalog;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Queues;
using Scheduler.Domain.Specs;
using Scheduler.Persistence;

namespace Scheduler.Application;

public static class ApplicationServices
{
    public const string ConnectionStringName = "Scheduler";

    /// <summary>
    /// Everything a host needs to send the scheduler's commands and queries: the store (<c>ConnectionStrings:Scheduler</c>),
    /// the GPU catalog (<c>Scheduler:GpuCatalog</c>), priority classes (<c>Scheduler:PriorityClasses</c>), validators,
    /// and the mediator with its validation pipeline. Configuration is read when first needed, so hosts and tests may set it late.
    /// </summary>
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.AddDbContextPool<SchedulerDbContext>((provider, options) => options.UseScheduler(ConnectionString(provider)));

        services.TryAddSingleton(provider => GpuCatalogConfiguration.Load(provider.GetRequiredService<IConfiguration>()));
        services.TryAddSingleton(provider => LoadPriorityClasses(provider.GetRequiredService<IConfiguration>()));
        services.TryAddSingleton(provider => new JobSpecValidator(provider.GetRequiredService<GpuCatalog>(), provider.GetRequiredService<PriorityClasses>()));
        services.TryAddSingleton<QueueSpecRules>();
        services.AddAdmission();
        services.TryAddSingleton<QueueDirectory>();
        services.TryAddSingleton<JobWriter>();
        services.TryAddSingleton<Admission.TelemetryWriter>();
        services.AddOptions<SubmissionLimits>().BindConfiguration(SubmissionLimits.Section);
        services.TryAddSingleton<SubmissionCaps>();
        services.AddOptions<JobPodPolicy>().BindConfiguration(JobPodPolicy.Section);
        services.TryAddSingleton<TokenCache>();
        services.TryAddSingleton(provider => JobTokens.FromConfiguration(provider.GetRequiredService<IConfiguration>(), provider.GetRequiredService<TimeProvider>()));
        services.AddOptions<Notifications.NotificationOptions>().BindConfiguration(Notifications.NotificationOptions.Section);
        services.TryAddSingleton<Notifications.NotificationSender>();
        services.TryAddScoped<Notifications.DeliverNotifications>();
        services.AddHostedService<Notifications.NotificationWorker>();
        AddMessageValidators(services);

        // Quartz: maintenance jobs that only send commands; the host's lifetime starts and stops the scheduler.
        services.AddQuartz(IdempotencyKeyPurgeJob.Schedule);
        services.AddQuartz(Accounting.AccountingRetentionJob.Schedule);
        services.AddQuartzHostedService(options => options.WaitForJobsToComplete = true);

        services.AddMediator(options =>
        {
            options.ServiceLifetime = ServiceLifetime.Scoped;
            options.PipelineBehaviors = [typeof(ValidationBehavior<,>)];
        });
        return builder;
    }

    /// <summary>Applies the migrations the database lacks (the <c>migrate</c> verb; the server never migrates on its own).</summary>
    public static async Task MigrateDatabaseAsync(this IServiceProvider services, CancellationToken cancellationToken = default)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SchedulerDbContext>();
        await db.Database.MigrateAsync(cancellationToken);
    }

    /// <summary>
    /// Makes <paramref name="user"/> a cluster admin and creates an API token for them (the bootstrap of <c>make run</c> and
    /// of the test hosts); answers the token.
    /// </summary>
    public static async Task<string> CreateAdminTokenAsync(this IServiceProvider services, string user, string label, CancellationToken cancellationToken = default)
    {
        await using var scope = services.CreateAsyncScope();
        var sender = scope.ServiceProvider.GetRequiredService<ISender>();
        var admin = await sender.Send(new PutUser(user, ClusterAdmin: true, AuditLog.SystemActor), cancellationToken);
        if (!admin.IsSuccess)
        {
            throw new InvalidOperationException(admin.Failure.Title);
        }

        var token = await sender.Send(new CreateApiToken(user, label, Lifetime: null, AuditLog.SystemActor), cancellationToken);
        return token.IsSuccess ? token.Value.Token : throw new InvalidOperationException(token.Failure.Title);
    }

    private static string ConnectionString(IServiceProvider provider) =>
        provider.GetRequiredService<IConfiguration>().GetConnectionString(ConnectionStringName)
        ?? throw new InvalidOperationException($"Set ConnectionStrings:{ConnectionStringName} (for example --ConnectionStrings:{ConnectionStringName}=\"Host=...;Database=...\").");

    private static PriorityClasses LoadPriorityClasses(IConfiguration configuration)
    {
        var configured = configuration.GetSection("Scheduler:PriorityClasses").Get<Dictionary<string, int>>();
        return configured is { Count: > 0 } ? new PriorityClasses(configured) : PriorityClasses.Default;
    }

    private static void AddMessageValidators(IServiceCollection services)
    {
        var validators =
            from type in typeof(ApplicationServices).Assembly.GetTypes()
            where type is { IsClass: true, IsAbstract: false, IsGenericTypeDefinition: false }
            from contract in type.GetInterfaces()
            where contract.IsGenericType && contract.GetGenericTypeDefinition() == typeof(IMessageValidator<>)
            select (contract, type);
        foreach (var (contract, type) in validators)
        {
            services.AddSingleton(contract, type);
        }
    }
}
