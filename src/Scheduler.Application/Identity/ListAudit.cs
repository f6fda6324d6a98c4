using System.Text.Json;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Scheduler.Application.Common;
using Scheduler.Persistence;

namespace Scheduler.Application.Identity;

/// <summary>The audit log, newest first, a page at a time (<paramref name="Before"/>: the last id of the previous page).</summary>
public sealed record ListAudit(int Limit = ListAudit.DefaultLimit, long? Before = null) : IQuery<AuditPage>
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;
}

public sealed record AuditEntryDetails(long Id, DateTimeOffset At, string Actor, string Action, string Target, JsonElement? Before, JsonElement? After);

public sealed record AuditPage(IReadOnlyList<AuditEntryDetails> Items, long? NextBefore);

internal sealed class ListAuditValidator : MessageValidator<ListAudit>
{
    public ListAuditValidator()
    {
        RuleFor(m => m.Limit).InclusiveBetween(1, ListAudit.MaxLimit).WithMessage($"must be between 1 and {ListAudit.MaxLimit}");
    }
}

internal sealed class ListAuditHandler(SchedulerDbContext db) : IQueryHandler<ListAudit, AuditPage>
{
    public async ValueTask<AuditPage> Handle(ListAudit query, CancellationToken cancellationToken)
    {
        var entries = db.AuditLog.AsNoTracking();
        if (query.Before is { } before)
        {
            entries = entries.Where(a => a.Id < before);
        }

        var page = await entries.OrderByDescending(a => a.Id).Take(query.Limit + 1).ToListAsync(cancellationToken);
        var items = page.Take(query.Limit)
            .Select(a => new AuditEntryDetails(a.Id, a.At, a.Actor, a.Action, a.Target, Parse(a.Before), Parse(a.After)))
            .ToList();
        return new AuditPage(items, page.Count > query.Limit ? items[^1].Id : null);
    }

    private static JsonElement? Parse(string? json) => json is null ? null : JsonDocument.Parse(json).RootElement.Clone();
}
