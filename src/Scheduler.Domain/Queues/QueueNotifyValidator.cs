using FluentValidation;
using Scheduler.Domain.Specs;
using Scheduler.Domain.Validation;

namespace Scheduler.Domain.Queues;

/// <summary>A queue's <c>notify</c>, under the same rules as a job's.</summary>
public sealed class QueueNotifyValidator : AbstractValidator<QueueSpec>
{
    public QueueNotifyValidator() => NotifySpecRules.AddTo(this, q => q.Notify);

    public IEnumerable<FieldError> Check(QueueSpec spec) =>
        Validate(spec).Errors.Select(e => new FieldError(FieldPath.FromMemberPath(e.PropertyName), e.ErrorMessage)).DistinctBy(e => (e.Field, e.Message));
}
