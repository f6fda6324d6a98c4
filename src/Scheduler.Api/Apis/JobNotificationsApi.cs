using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Scheduler.Api.Auth;
using Scheduler.Application.Notifications;

namespace Scheduler.Api.Apis;

/// <summary><c>GET /api/v1/jobs/{id}/notifications</c>: the job's webhook deliveries and how each went (docs/api.md "Notifications").</summary>
public static class JobNotificationsApi
{
    public static IEndpointRouteBuilder MapJobNotificationsApiV1(this IEndpointRouteBuilder app)
    {
        app.MapGet("api/v1/jobs/{id}/notifications", GetJobNotificationsAsync).WithTags("Jobs").WithName("GetJobNotifications")
            .RequireAuthorization(Permissions.Read)
            .WithSummary("The job's webhook deliveries: event, URL, attempts, last status, next try, delivered or given up");
        return app;
    }

    internal static Task<Results<Ok<IReadOnlyList<NotificationDetails>>, ProblemHttpResult>> GetJobNotificationsAsync(
        string id, ClaimsPrincipal user, Access access, ISender sender, CancellationToken cancellationToken) =>
        JobsApi.ForJobAsync(id, jobId => access.ReadJobAsync(user, jobId, cancellationToken), jobId => sender.Send(new GetJobNotifications(jobId), cancellationToken));
}
