namespace Scheduler.Architecture.Tests;

/// <summary>Known uses the clock check must find in this assembly (LayeringTests checks that it does); never called.</summary>
internal static class ClockAndRandomnessFixture
{
    public static DateTime Now() => DateTime.UtcNow;

    public static int Unseeded() => new Random().Next();

    public static string? Variable() => Environment.GetEnvironmentVariable("HOME");

    /// <summary>An iterator reads Environment.CurrentManagedThreadId: that is no I/O, and the check must not flag it.</summary>
    public static IEnumerable<int> Iterator()
    {
        yield return 1;
    }
}
