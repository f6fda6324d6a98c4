using System.Linq.Expressions;
using FluentValidation;

namespace Scheduler.Domain.Specs;

public sealed partial class JobSpecValidator
{
    private void NotifyRules() => NotifySpecRules.AddTo(this, s => s.Notify);
}

/// <summary>
/// Webhook rules, shared by a job's and a queue's <c>notify</c>: bounded in count and URL length, absolute http(s) URLs
/// without credentials. Whether plain http is allowed for a host is the installation's setting
/// (<c>Scheduler:Notifications:AllowHttpHosts</c>), checked at submission.
/// </summary>
public static class NotifySpecRules
{
    public static void AddTo<T>(AbstractValidator<T> validator, Expression<Func<T, IEnumerable<NotifySpec>?>> notify)
    {
        ArgumentNullException.ThrowIfNull(validator);
        validator.RuleFor(notify).Must(n => n is null || n.Count() <= JobSpecLimits.MaxNotify)
            .WithMessage($"must have at most {JobSpecLimits.MaxNotify} entries");
        validator.RuleForEach(notify!).NotNull().WithMessage("must be an object with url and events");
        validator.RuleForEach(notify!).ChildRules(n =>
        {
            n.RuleFor(x => x.Url).NotEmpty().When(x => x is not null).WithMessage("is required: an absolute https URL");
            n.RuleFor(x => x.Url!).MaximumLength(JobSpecLimits.MaxNotifyUrlLength).When(x => !string.IsNullOrEmpty(x?.Url))
                .WithMessage($"must have at most {JobSpecLimits.MaxNotifyUrlLength} characters");
            n.RuleFor(x => x.Url!).Must(IsWebhookUrl).When(x => x?.Url is { Length: > 0 and <= JobSpecLimits.MaxNotifyUrlLength })
                .WithMessage("must be an absolute https (or allowed http) URL without user information or fragment");
            n.RuleFor(x => x.Events).NotEmpty().When(x => x is not null)
                .WithMessage("is required: one or more of " + string.Join(", ", Enum.GetNames<NotificationEvent>()));
            n.RuleFor(x => x.Events!).Must(e => e.Distinct().Count() == e.Count).When(x => x?.Events is { Count: > 0 })
                .WithMessage("must not name an event twice");
        });
    }

    private static bool IsWebhookUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
        && string.IsNullOrEmpty(uri.UserInfo) && string.IsNullOrEmpty(uri.Fragment);
}
