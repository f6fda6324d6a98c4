using System.Text.Json.Serialization;

namespace Scheduler.Domain.Queues;

/// <summary>GPU-hours a queue may spend per period; charged with predicted hours at admission, corrected to measured hours at the end.</summary>
public sealed record GpuHourBudget
{
    public BudgetPeriod? Period { get; init; }

    public double? GpuHours { get; init; }

    public BudgetExceededAction? WhenExceeded { get; init; }
}

[JsonConverter(typeof(JsonStringEnumConverter<BudgetPeriod>))]
public enum BudgetPeriod
{
    [JsonStringEnumMemberName("day")] Day,
    [JsonStringEnumMemberName("week")] Week,
    [JsonStringEnumMemberName("month")] Month,
}

[JsonConverter(typeof(JsonStringEnumConverter<BudgetExceededAction>))]
public enum BudgetExceededAction
{
    /// <summary>Refuse the submission.</summary>
    [JsonStringEnumMemberName("reject")] Reject,
    /// <summary>Accept it and keep it Queued, with the reason, until the budget allows it.</summary>
    [JsonStringEnumMemberName("hold")] Hold,
}
