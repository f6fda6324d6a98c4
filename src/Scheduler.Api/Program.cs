using Scheduler.Api.Apis;
using Scheduler.Api.Auth;
using Scheduler.Api.Hosting;
using Scheduler.Application;
using Scheduler.Dashboard;
using Scheduler.Operator.Hosting;
using Scheduler.Operator.Metrics;

var builder = WebApplication.CreateBuilder(args);
builder.AddApplicationServices();
builder.AddApiServices();
builder.AddSimulatedCluster();
builder.AddAuthServices();
builder.AddOperator();
builder.AddDashboardServices();

var app = builder.Build();
if (MigrateCommand.IsRequested(args))
{
    return await MigrateCommand.RunAsync(app);
}

app.UseApiPipeline();
app.UseAuth();
app.MapHealthApi();
app.MapApiDocs();
app.MapJobsApiV1();
app.MapJobLogsApiV1();
app.MapJobNotificationsApiV1();
app.MapJobAdviceApiV1();
app.MapQueuesApiV1();
app.MapAdmissionApiV1();
app.MapDashboardApiV1();
app.MapAccountingApiV1();
app.MapIdentityApiV1();
app.MapAuthConfigApiV1();
app.MapSignInPages();
app.MapGroup(string.Empty).RequireAuthorization(Permissions.Read).MapDashboard();
app.MapSchedulerMetrics().WithMetricsAccess(app.Configuration);
await app.RunAsync();
return 0;

/// <summary>Entry point, visible to WebApplicationFactory in the API tests.</summary>
public partial class Program;
