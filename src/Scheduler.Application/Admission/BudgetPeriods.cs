using Scheduler.Domain.Queues;

namespace Scheduler.Application.Admission;

/// <summary>Budget periods are calendar periods in UTC: a day from midnight, an ISO week from Monday, a month from its first day.</summary>
internal static class BudgetPeriods
{
    public static DateTimeOffset Start(BudgetPeriod period, DateTimeOffset at)
    {
        var day = new DateTimeOffset(at.UtcDateTime.Date, TimeSpan.Zero);
        return period switch
        {
            BudgetPeriod.Day => day,
            BudgetPeriod.Week => day.AddDays(-(((int)day.DayOfWeek + 6) % 7)),
            BudgetPeriod.Month => new DateTimeOffset(day.Year, day.Month, 1, 0, 0, 0, TimeSpan.Zero),
            _ => throw new ArgumentOutOfRangeException(nameof(period), period, "unknown budget period"),
        };
    }

    public static DateTimeOffset End(BudgetPeriod period, DateTimeOffset at)
    {
        var start = Start(period, at);
        return period switch
        {
            BudgetPeriod.Day => start.AddDays(1),
            BudgetPeriod.Week => start.AddDays(7),
            _ => start.AddMonths(1),
        };
    }

    /// <summary>"day", "week" or "month", as the queue spec spells it.</summary>
    public static string Name(BudgetPeriod period) => period.ToString().ToLowerInvariant();
}
