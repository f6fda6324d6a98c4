namespace Scheduler.Api.Http;

/// <summary>Configuration section <c>Scheduler:Api</c>.</summary>
internal sealed class RequestLimits
{
    public const string Section = "Scheduler:Api";

    /// <summary>Largest request body accepted; a job spec is a few kilobytes.</summary>
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;
}
