using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Scheduler.Application.Common;
using Scheduler.Persistence;

namespace Scheduler.Application.Scheduling;

/// <summary>The term a new leader writes under, and the installation the database belongs to.</summary>
public sealed record LeaderTerm(long Term, Guid InstallationId);

/// <summary>
/// A replica acquired the Lease: bumps the leader term (creating the control-plane row, with a new installation id, the first
/// time), so that every write of an older term is refused from now on (<see cref="LeaderFence"/>). Waits for writes of the
/// old term in flight: they hold the row's share lock until they commit.
/// </summary>
public sealed record BeginLeaderTerm(string Identity) : ICommand<LeaderTerm>;

internal sealed class BeginLeaderTermValidator : MessageValidator<BeginLeaderTerm>
{
    public BeginLeaderTermValidator() =>
        RuleFor(m => m.Identity).NotEmpty().WithMessage("is required").MaximumLength(253).WithMessage("must be at most 253 characters");
}

internal sealed class BeginLeaderTermHandler(SchedulerDbContext db, TimeProvider clock) : ICommandHandler<BeginLeaderTerm, LeaderTerm>
{
    public async ValueTask<LeaderTerm> Handle(BeginLeaderTerm command, CancellationToken cancellationToken)
    {
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var sql = connection.CreateCommand();
            sql.CommandText = """
                INSERT INTO control_plane (id, installation_id, leader_term, leader_identity, leader_since)
                VALUES (1, @installation, 1, @identity, @since)
                ON CONFLICT (id) DO UPDATE SET leader_term = control_plane.leader_term + 1,
                    leader_identity = excluded.leader_identity, leader_since = excluded.leader_since
                RETURNING leader_term, installation_id
                """;
            Parameter(sql, "installation", Guid.NewGuid());
            Parameter(sql, "identity", command.Identity);
            Parameter(sql, "since", clock.StoreNow());
            await using var reader = await sql.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            return new LeaderTerm(reader.GetInt64(0), reader.GetGuid(1));
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static void Parameter(System.Data.Common.DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
