using Mediator;

namespace Scheduler.Application.Common;

/// <summary>Runs the message's validators first; an invalid message never reaches its handler.</summary>
internal sealed class ValidationBehavior<TMessage, TResponse>(IEnumerable<IMessageValidator<TMessage>> validators)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IMessage
{
    public ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(next);
        foreach (var validator in validators)
        {
            var errors = validator.Validate(message).ToList();
            if (errors.Count > 0)
            {
                throw new RequestValidationException(errors);
            }
        }

        return next(message, cancellationToken);
    }
}
