using Scheduler.Application.Jobs;
using Scheduler.Application.Notifications;
using Scheduler.Domain.Specs;
using Scheduler.Testing.Builders;

namespace Scheduler.Application.Tests.Notifications;

public sealed class NotificationTargetsTests
{
    private static readonly NotifySpec Team = new() { Url = "https://hooks.example.com/team", Events = [NotificationEvent.Failed] };

    [Fact]
    public void A_resubmitted_spec_without_the_queue_s_webhooks_reads_as_an_in_place_hold_not_another_spec()
    {
        var submitted = JobSpecBuilder.AJob().Notify("https://hooks.example.com/me", NotificationEvent.Started).Build();
        var stored = JobSpecNormalizer.Normalize(submitted) with
        {
            PriorityClass = "normal",
            Notify = NotificationTargets.WithQueue(submitted.Notify, [Team]),
        };

        var update = JobUpdates.Between(stored, submitted with { Hold = true });

        Assert.Equal(true, update?.Hold);
    }

    [Fact]
    public void Changed_webhooks_are_not_taken_for_the_stored_ones()
    {
        var stored = new[] { new NotifySpec { Url = "https://hooks.example.com/me", Events = [NotificationEvent.Started] }, Team };
        var changed = new[] { new NotifySpec { Url = "https://hooks.example.com/me", Events = [NotificationEvent.Failed] } };

        Assert.Same(changed, NotificationTargets.AsStored(stored, changed));
        Assert.Same(stored, NotificationTargets.AsStored(stored, [stored[0]]));
    }
}
