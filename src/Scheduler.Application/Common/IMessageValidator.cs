using Scheduler.Domain.Validation;

namespace Scheduler.Application.Common;

/// <summary>Checks a message before its handler runs; every broken rule names its field in wire form (<c>resources.gpus</c>).</summary>
public interface IMessageValidator<in TMessage>
{
    IEnumerable<FieldError> Validate(TMessage message);
}
