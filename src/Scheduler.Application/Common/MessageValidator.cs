using FluentValidation;
using Scheduler.Domain.Validation;

namespace Scheduler.Application.Common;

/// <summary>A message validator written with FluentValidation rules; member paths become wire names (<c>Limit</c> → <c>limit</c>).</summary>
internal abstract class MessageValidator<TMessage> : AbstractValidator<TMessage>, IMessageValidator<TMessage>
{
    IEnumerable<FieldError> IMessageValidator<TMessage>.Validate(TMessage message) =>
        Validate(message).Errors.Select(e => new FieldError(FieldPath.FromMemberPath(e.PropertyName), e.ErrorMessage));
}
