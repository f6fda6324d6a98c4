using Scheduler.Application.Notifications;

namespace Scheduler.Application.Tests.Notifications;

public sealed class NotificationOptionsTests
{
    [Fact]
    public void Backoff_doubles_from_the_initial_wait_up_to_the_maximum()
    {
        var options = new NotificationOptions { InitialBackoff = TimeSpan.FromSeconds(5), MaxBackoff = TimeSpan.FromSeconds(30) };

        Assert.Equal([5, 10, 20, 30, 30], Enumerable.Range(1, 5).Select(a => options.BackoffAfter(a).TotalSeconds));
    }

    [Fact]
    public void A_signature_over_another_body_or_with_another_secret_is_not_valid()
    {
        var body = "{\"event\":\"Failed\"}"u8.ToArray();
        var signature = NotificationSignature.Sign("s3cret", body);

        Assert.True(NotificationSignature.IsValid("s3cret", body, signature));
        Assert.False(NotificationSignature.IsValid("other", body, signature));
        Assert.False(NotificationSignature.IsValid("s3cret", "{\"event\":\"Started\"}"u8.ToArray(), signature));
        Assert.False(NotificationSignature.IsValid("s3cret", body, null));
    }
}
