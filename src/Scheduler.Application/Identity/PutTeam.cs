using Mediator;
using Microsoft.EntityFrameworkCore;
using Scheduler.Application.Common;
using Scheduler.Domain.Specs;
using Scheduler.Domain.Validation;
using Scheduler.Persistence;
using Scheduler.Persistence.Identity;

namespace Scheduler.Application.Identity;

/// <summary>Create a team (idempotent: an existing team is answered as it is).</summary>
public sealed record PutTeam(string Name, string? Actor) : ICommand<Result<PutTeamResult>>;

public sealed record PutTeamResult(TeamDetails Team, bool Created);

internal sealed class PutTeamValidator : IMessageValidator<PutTeam>
{
    public IEnumerable<FieldError> Validate(PutTeam message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return JobSpecValidator.IsDnsLabel(message.Name)
            ? []
            : [new FieldError("team", "must be a DNS-1123 label: at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit")];
    }
}

internal sealed class PutTeamHandler(SchedulerDbContext db, TimeProvider clock) : ICommandHandler<PutTeam, Result<PutTeamResult>>
{
    public async ValueTask<Result<PutTeamResult>> Handle(PutTeam command, CancellationToken cancellationToken)
    {
        var created = false;
        if (!await db.Teams.AnyAsync(t => t.Name == command.Name, cancellationToken))
        {
            var now = clock.StoreNow();
            db.Teams.Add(new Team(command.Name, now));
            AuditLog.Record(db, command.Actor, "team.create", $"team/{command.Name}", null, new { command.Name }, now);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                created = true;
            }
            catch (DbUpdateException ex) when (ex.IsUniqueViolation(ConstraintNames.TeamName))
            {
                // Created concurrently: answer it.
            }

            db.ChangeTracker.Clear();
        }

        var team = await TeamReads.DetailsAsync(db, command.Name, cancellationToken);
        return new PutTeamResult(team!, created);
    }
}
