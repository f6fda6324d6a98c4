namespace Scheduler.Operator.Store;

/// <summary>PostgreSQL refused a write because another replica began a newer leader term: this one must step down.</summary>
public sealed class StaleLeaderException : Exception
{
    public StaleLeaderException()
    {
    }

    public StaleLeaderException(string message)
        : base(message)
    {
    }

    public StaleLeaderException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
