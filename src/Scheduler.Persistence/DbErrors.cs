using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Scheduler.Persistence;

public static class DbErrors
{
    /// <summary>True when the save failed because it would have broken the named unique constraint or index.</summary>
    public static bool IsUniqueViolation(this DbUpdateException exception, string constraintName) =>
        exception?.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } postgres
        && postgres.ConstraintName == constraintName;

    /// <summary>Whether a statement we wrote ourselves (not through SaveChanges) met the unique constraint <paramref name="constraintName"/>.</summary>
    public static bool IsUniqueViolation(this PostgresException exception, string constraintName) =>
        exception is { SqlState: PostgresErrorCodes.UniqueViolation } && exception.ConstraintName == constraintName;
}
