using System.Text.Json;
using Scheduler.Domain.Specs;
using Scheduler.Persistence;
using Scheduler.Persistence.Identity;

namespace Scheduler.Application.Identity;

/// <summary>Adds an audit entry to the context, to be saved with the change it describes (one transaction).</summary>
internal static class AuditLog
{
    /// <summary>The actor of changes that come from no person: the operator's resource sync, the bootstrap.</summary>
    public const string SystemActor = "system";

    public static void Record(SchedulerDbContext db, string? actor, string action, string target, object? before, object? after, DateTimeOffset at) =>
        db.AuditLog.Add(new AuditEntry(actor ?? SystemActor, action, target, Json(before), Json(after), at));

    private static string? Json(object? value) => value is null ? null : JsonSerializer.Serialize(value, value.GetType(), JobSpecJson.Options);
}
