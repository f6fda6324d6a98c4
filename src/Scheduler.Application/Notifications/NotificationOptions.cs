namespace Scheduler.Application.Notifications;

/// <summary>Webhook delivery (<c>Scheduler:Notifications</c>, docs/api.md "Notifications").</summary>
public sealed class NotificationOptions
{
    public const string Section = "Scheduler:Notifications";

    /// <summary>Key of the HMAC-SHA256 signature in <c>X-Scheduler-Signature</c>; without it deliveries go unsigned.</summary>
    public string? Secret { get; set; }

    /// <summary>Hosts a webhook may reach over plain http (local testing); every other webhook must use https.</summary>
    public IList<string> AllowHttpHosts { get; } = [];

    /// <summary>Calls per delivery before it is given up.</summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>Wait after the first failed call; doubled after each further one, up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a receiver may take to answer.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the worker looks for due deliveries.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Rows one pass claims.</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>The wait after <paramref name="attempts"/> failed calls: exponential, capped.</summary>
    public TimeSpan BackoffAfter(int attempts)
    {
        var factor = Math.Pow(2, Math.Clamp(attempts - 1, 0, 30));
        var wait = InitialBackoff.TotalMilliseconds * factor;
        return wait >= MaxBackoff.TotalMilliseconds ? MaxBackoff : TimeSpan.FromMilliseconds(wait);
    }
}
