using Mediator;
using Microsoft.EntityFrameworkCore;
using Scheduler.Application.Common;
using Scheduler.Domain.Validation;
using Scheduler.Persistence;
using Scheduler.Persistence.Identity;

namespace Scheduler.Application.Identity;

/// <summary>Create a user or set whether they are a cluster admin (cluster admins only; audited).</summary>
public sealed record PutUser(string Name, bool ClusterAdmin, string? Actor) : ICommand<Result<UserDetails>>;

internal sealed class PutUserValidator : IMessageValidator<PutUser>
{
    public IEnumerable<FieldError> Validate(PutUser message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return IdentityNames.IsUserName(message.Name) ? [] : [new FieldError("user", IdentityNames.UserRule)];
    }
}

internal sealed class PutUserHandler(SchedulerDbContext db, TimeProvider clock, TokenCache cache) : ICommandHandler<PutUser, Result<UserDetails>>
{
    public async ValueTask<Result<UserDetails>> Handle(PutUser command, CancellationToken cancellationToken)
    {
        var now = clock.StoreNow();
        var user = await db.Users.FirstOrDefaultAsync(u => u.Name == command.Name, cancellationToken);
        object? before = user is null ? null : new { user.Name, user.ClusterAdmin };
        if (user is null)
        {
            user = new User(command.Name, command.ClusterAdmin, now);
            db.Users.Add(user);
        }

        user.ClusterAdmin = command.ClusterAdmin;
        AuditLog.Record(db, command.Actor, "user.put", $"user/{command.Name}", before, new { user.Name, user.ClusterAdmin }, now);
        await db.SaveChangesAsync(cancellationToken);
        cache.Clear();
        db.ChangeTracker.Clear();
        var teams = await db.TeamMembers.AsNoTracking().Where(m => m.User == command.Name).OrderBy(m => m.Team)
            .Select(m => new TeamGrant(m.Team, m.Role)).ToListAsync(cancellationToken);
        return new UserDetails(user.Name, user.ClusterAdmin, teams);
    }
}
