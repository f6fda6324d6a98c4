using Scheduler.Domain.Catalog;
using Scheduler.Domain.Queues;
using Scheduler.Domain.Specs;
using static Scheduler.Testing.Builders.JobSpecBuilder;

namespace Scheduler.Domain.Tests.Specs;

public sealed class NotifyRulesTests
{
    private readonly JobSpecValidator _validator = new(GpuCatalog.Default, PriorityClasses.Default);

    [Fact]
    public void Accepts_https_webhooks_with_events()
    {
        var spec = AJob().Notify("https://hooks.example.com/ml?team=a", NotificationEvent.Started, NotificationEvent.Failed)
            .Notify("http://127.0.0.1:8080/hook", NotificationEvent.Succeeded).Build();

        Assert.Empty(_validator.Check(spec));
    }

    public static TheoryData<string, Func<JobSpec, JobSpec>> Broken => new()
    {
        { "notify[0].url", s => s with { Notify = [new NotifySpec { Events = [NotificationEvent.Failed] }] } },
        { "notify[0].url", s => s with { Notify = [new NotifySpec { Url = "ftp://example.com/x", Events = [NotificationEvent.Failed] }] } },
        { "notify[0].url", s => s with { Notify = [new NotifySpec { Url = "/relative/hook", Events = [NotificationEvent.Failed] }] } },
        { "notify[0].url", s => s with { Notify = [new NotifySpec { Url = "https://user:pw@example.com/", Events = [NotificationEvent.Failed] }] } },
        { "notify[0].url", s => s with { Notify = [new NotifySpec { Url = "https://example.com/" + new string('a', 2048), Events = [NotificationEvent.Failed] }] } },
        { "notify[0].events", s => s with { Notify = [new NotifySpec { Url = "https://example.com/" }] } },
        { "notify[0].events", s => s with { Notify = [new NotifySpec { Url = "https://example.com/", Events = [NotificationEvent.Failed, NotificationEvent.Failed] }] } },
        { "notify[0]", s => s with { Notify = [null!] } },
        { "notify", s => s with { Notify = Enumerable.Range(0, 9).Select(i => new NotifySpec { Url = $"https://example.com/{i}", Events = [NotificationEvent.Failed] }).ToList() } },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void Refuses_a_broken_webhook_naming_the_field(string field, Func<JobSpec, JobSpec> breakIt)
    {
        var errors = _validator.Check(breakIt(AJob().Build()));

        Assert.Contains(errors, e => e.Field == field);
    }

    [Fact]
    public void Spec_json_refuses_an_unknown_event_naming_the_field()
    {
        var json = AJob().Notify("https://example.com/", NotificationEvent.Failed).ToJson().Replace("\"Failed\"", "\"Exploded\"", StringComparison.Ordinal);

        var (_, error) = JobSpecJson.Parse(json);

        Assert.NotNull(error);
        Assert.StartsWith("notify", error.Field, StringComparison.Ordinal);
    }
}
