using Scheduler.Core.Ordering;
using Scheduler.Core.Tests.Builders;

namespace Scheduler.Core.Tests.Ordering;

public sealed class JobOrderTests
{
    [Fact]
    public void Orders_a_queues_jobs_by_priority_then_age_then_id()
    {
        var jobs = new[]
        {
            Jobs.Pending("new-normal", "q", age: TimeSpan.FromMinutes(5)),
            Jobs.Pending("b-old-normal", "q", age: TimeSpan.FromHours(3)),
            Jobs.Pending("a-old-normal", "q", age: TimeSpan.FromHours(3)),
            Jobs.Pending("new-high", "q", priority: 5000, age: TimeSpan.FromMinutes(1)),
            Jobs.Pending("low", "q", priority: 10, age: TimeSpan.FromDays(2)),
        };

        var ordered = jobs.Order(JobOrder.Instance).Select(j => j.Id);

        Assert.Equal(["new-high", "a-old-normal", "b-old-normal", "new-normal", "low"], ordered);
    }
}
