using Scheduler.Application.Common;
using Scheduler.Application.Queues;
using Scheduler.Domain.Queues;

namespace Scheduler.Application.Tests.Queues;

public sealed class PutQueueTests(SchedulerFixture fixture) : IClassFixture<SchedulerFixture>
{
    private static readonly Dictionary<string, int> EightA100 = new() { ["A100-80GB"] = 8 };

    [Fact]
    public async Task Creates_then_replaces_a_queue_with_defaults_filled()
    {
        var created = await fixture.SendAsync(new PutQueue("team-a", new QueueSpec { NominalQuota = EightA100, Cohort = "ml" }));
        var replaced = await fixture.SendAsync(new PutQueue("team-a", new QueueSpec { NominalQuota = new Dictionary<string, int> { ["H100-SXM"] = 4 } }));

        Assert.True(created.Value!.Created);
        Assert.Equal(("normal", 1.0), (created.Value.Queue.Spec.DefaultPriorityClass, created.Value.Queue.Spec.FairShareWeight));
        Assert.False(replaced.Value!.Created);
        Assert.Null(replaced.Value.Queue.Spec.Cohort);
        var read = (await fixture.QueryAsync(new GetQueue("team-a"))).Value!;
        Assert.Equal(4, read.Spec.NominalQuota!["H100-SXM"]);
        Assert.Equal(created.Value.Queue.CreatedAt, read.CreatedAt);
    }

    [Fact]
    public async Task Stores_the_namespace_binding_as_given_and_leaves_an_unset_one_unset()
    {
        var selector = new NamespaceSelector
        {
            MatchLabels = new Dictionary<string, string> { ["team"] = "research" },
            MatchExpressions = [new LabelSelectorRequirement { Key = "tier", Operator = LabelSelectorOperator.In, Values = ["gold", "silver"] }],
        };
        await fixture.SendAsync(new PutQueue("bound", new QueueSpec { NominalQuota = EightA100, Namespaces = ["team-a", "team-b"], NamespaceSelector = selector }));
        await fixture.SendAsync(new PutQueue("unbound", new QueueSpec { NominalQuota = EightA100 }));

        var bound = (await fixture.QueryAsync(new GetQueue("bound"))).Value!.Spec;
        var unbound = (await fixture.QueryAsync(new GetQueue("unbound"))).Value!.Spec;

        Assert.Equal(["team-a", "team-b"], bound.Namespaces);
        Assert.Equal("research", bound.NamespaceSelector!.MatchLabels!["team"]);
        var requirement = Assert.Single(bound.NamespaceSelector.MatchExpressions!);
        Assert.Equal(("tier", LabelSelectorOperator.In), (requirement.Key, requirement.Operator));
        Assert.Equal(["gold", "silver"], requirement.Values!);
        Assert.True(QueueNamespaces.Admits(bound, "team-c", new Dictionary<string, string> { ["team"] = "research", ["tier"] = "silver" }));
        Assert.Equal((null, null), (unbound.Namespaces, unbound.NamespaceSelector)); // admits no namespace
    }

    public static TheoryData<string, QueueSpec, string> InvalidQueues => new()
    {
        { "Bad_Name", new QueueSpec { NominalQuota = EightA100 }, "name" },
        { "q", new QueueSpec(), "nominalQuota" },
        { "q", new QueueSpec { NominalQuota = new Dictionary<string, int> { ["A100-80GB"] = -1 } }, "nominalQuota.A100-80GB" },
        { "q", new QueueSpec { NominalQuota = new Dictionary<string, int> { ["TPU-v5"] = 1 } }, "nominalQuota.TPU-v5" },
        { "q", new QueueSpec { NominalQuota = EightA100, BorrowingLimit = new Dictionary<string, int> { ["A100-80GB"] = -2 } }, "borrowingLimit.A100-80GB" },
        { "q", new QueueSpec { NominalQuota = EightA100, LendingLimit = new Dictionary<string, int> { ["A100-80GB"] = 9 } }, "lendingLimit.A100-80GB" },
        { "q", new QueueSpec { NominalQuota = EightA100, Cohort = "Not A Label" }, "cohort" },
        { "q", new QueueSpec { NominalQuota = EightA100, DefaultPriorityClass = "urgent" }, "defaultPriorityClass" },
        { "q", new QueueSpec { NominalQuota = EightA100, FairShareWeight = 0 }, "fairShareWeight" },
        { "q", new QueueSpec { NominalQuota = EightA100, GpuHourBudget = new GpuHourBudget { GpuHours = 10 } }, "gpuHourBudget.period" },
        { "q", new QueueSpec { NominalQuota = EightA100, GpuHourBudget = new GpuHourBudget { Period = BudgetPeriod.Week, GpuHours = -1 } }, "gpuHourBudget.gpuHours" },
        { "q", new QueueSpec { NominalQuota = EightA100, Namespaces = ["Team_A"] }, "namespaces[0]" },
        {
            "q",
            new QueueSpec { NominalQuota = EightA100, NamespaceSelector = new NamespaceSelector { MatchExpressions = [new LabelSelectorRequirement { Key = "team", Operator = LabelSelectorOperator.In }] } },
            "namespaceSelector.matchExpressions[0].values"
        },
    };

    [Theory]
    [MemberData(nameof(InvalidQueues))]
    public async Task Refuses_an_invalid_queue_naming_the_field(string name, QueueSpec spec, string field)
    {
        var ex = await Assert.ThrowsAsync<RequestValidationException>(() => fixture.SendAsync(new PutQueue(name, spec)));
        Assert.Contains(ex.Errors, e => e.Field == field);
        Assert.Equal(FailureKind.NotFound, (await fixture.QueryAsync(new GetQueue(name))).Failure!.Kind);
    }
}
