namespace Scheduler.Domain.Jobs;

public sealed class IllegalTransitionException : InvalidOperationException
{
    public IllegalTransitionException()
    {
    }

    public IllegalTransitionException(string message)
        : base(message)
    {
    }

    public IllegalTransitionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public IllegalTransitionException(JobState from, JobState to)
        : base($"A {from} job cannot become {to}.")
    {
        From = from;
        To = to;
    }

    public JobState From { get; }

    public JobState To { get; }
}
