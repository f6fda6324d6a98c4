using Mediator;
using Microsoft.EntityFrameworkCore;
using Scheduler.Application.Common;
using Scheduler.Domain.Validation;
using Scheduler.Persistence;
using Scheduler.Persistence.Identity;

namespace Scheduler.Application.Identity;

/// <summary>
/// Create an API token for <paramref name="User"/> (created as a plain user when the scheduler does not know the name yet),
/// valid for <paramref name="Lifetime"/> (default 90 days). The answer holds the token; the store keeps only its hash.
/// </summary>
public sealed record CreateApiToken(string User, string Label, TimeSpan? Lifetime, string? Actor) : ICommand<Result<CreatedApiToken>>
{
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromDays(90);
    public static readonly TimeSpan MinLifetime = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(3650);
}

internal sealed class CreateApiTokenValidator : IMessageValidator<CreateApiToken>
{
    public IEnumerable<FieldError> Validate(CreateApiToken message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!IdentityNames.IsUserName(message.User))
        {
            yield return new FieldError("user", IdentityNames.UserRule);
        }

        if (message.Label is not { Length: > 0 and <= ApiToken.MaxLabelLength } || message.Label.Any(char.IsControl))
        {
            yield return new FieldError("label", $"must be 1 to {ApiToken.MaxLabelLength} printable characters");
        }

        if (message.Lifetime is { } lifetime && (lifetime < CreateApiToken.MinLifetime || lifetime > CreateApiToken.MaxLifetime))
        {
            yield return new FieldError("lifetime", "must be an ISO-8601 or d.hh:mm:ss duration between 1 minute and 3650 days");
        }
    }
}

internal sealed class CreateApiTokenHandler(SchedulerDbContext db, TimeProvider clock) : ICommandHandler<CreateApiToken, Result<CreatedApiToken>>
{
    public async ValueTask<Result<CreatedApiToken>> Handle(CreateApiToken command, CancellationToken cancellationToken)
    {
        var now = clock.StoreNow();
        if (!await db.Users.AnyAsync(u => u.Name == command.User, cancellationToken))
        {
            db.Users.Add(new User(command.User, clusterAdmin: false, now));
        }

        var secret = ApiTokenSecrets.Generate();
        var token = new ApiToken(Guid.CreateVersion7(now), command.User, command.Label, ApiTokenSecrets.Hash(secret), now, now + (command.Lifetime ?? CreateApiToken.DefaultLifetime));
        db.ApiTokens.Add(token);
        var details = ApiTokenDetails.From(token);
        AuditLog.Record(db, command.Actor, "token.create", $"user/{command.User}/token/{token.Id}", null, details, now);
        await db.SaveChangesAsync(cancellationToken);
        db.ChangeTracker.Clear();
        return new CreatedApiToken(details, secret);
    }
}
