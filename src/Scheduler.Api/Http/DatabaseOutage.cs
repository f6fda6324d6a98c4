using System.Net.Sockets;
using Npgsql;

namespace Scheduler.Api.Http;

/// <summary>
/// Whether an exception means PostgreSQL cannot be reached right now (stopped, restarting, refusing connections, the network
/// gone), as opposed to a defect: the former is answered 503 with <c>Retry-After</c>, the latter stays a 500.
/// </summary>
internal static class DatabaseOutage
{
    /// <summary>Seconds a client should wait before retrying while the database is away.</summary>
    public const int RetryAfterSeconds = 5;

    public static bool Is(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException postgres:
                    return IsUnavailable(postgres.SqlState);
                case NpgsqlException npgsql when npgsql.IsTransient:
                    return true;
                case NpgsqlException { InnerException: SocketException or IOException or TimeoutException }:
                    return true;
            }
        }

        return false;
    }

    // Class 08: connection exceptions; 57P01-57P03: the server shutting down or starting up; 53300: no connection slot.
    private static bool IsUnavailable(string state) =>
        state.StartsWith("08", StringComparison.Ordinal) || state is "57P01" or "57P02" or "57P03" or "53300";
}
