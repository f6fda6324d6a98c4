using Scheduler.Domain.Specs;
using Scheduler.Domain.Validation;

namespace Scheduler.Application.Notifications;

/// <summary>The installation's part of webhook validation: plain http only to the hosts it allows.</summary>
internal static class NotificationTargets
{
    public static IEnumerable<FieldError> Check(JobSpec spec, NotificationOptions options) => Check(spec.Notify, options);

    public static IEnumerable<FieldError> Check(IReadOnlyList<NotifySpec>? notify, NotificationOptions options)
    {
        for (var i = 0; i < (notify?.Count ?? 0); i++)
        {
            if (notify![i]?.Url is { } url && Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttp
                && !options.AllowHttpHosts.Contains(uri.Host, StringComparer.OrdinalIgnoreCase))
            {
                yield return new FieldError($"notify[{i}].url", $"must use https: plain http is allowed only to {Allowed(options)}");
            }
        }
    }

    /// <summary>The job's webhooks followed by its queue's; null when neither names any.</summary>
    public static IReadOnlyList<NotifySpec>? WithQueue(IReadOnlyList<NotifySpec>? job, IReadOnlyList<NotifySpec>? queue) =>
        queue is not { Count: > 0 } ? job : [.. job ?? [], .. queue];

    /// <summary>
    /// The webhooks to compare a resubmitted spec's with: the stored ones when they are the submitted ones followed by the
    /// queue's (added at submission), so that the queue's additions never read as an edit of the job.
    /// </summary>
    public static IReadOnlyList<NotifySpec>? AsStored(IReadOnlyList<NotifySpec>? stored, IReadOnlyList<NotifySpec>? submitted)
    {
        var own = submitted ?? [];
        return stored is not null && stored.Count >= own.Count
            && own.Select(Json).SequenceEqual(stored.Take(own.Count).Select(Json), StringComparer.Ordinal) ? stored : submitted;
    }

    private static string Json(NotifySpec? spec) => System.Text.Json.JsonSerializer.Serialize(spec, JobSpecJson.Options);

    private static string Allowed(NotificationOptions options) =>
        options.AllowHttpHosts.Count == 0 ? "the hosts in Scheduler:Notifications:AllowHttpHosts (none set)" : string.Join(", ", options.AllowHttpHosts);
}
