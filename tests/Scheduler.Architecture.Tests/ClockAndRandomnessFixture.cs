namespace Scheduler.Architecture.Tests;

/// <summary>Known uses the clock check must find in this assembly (LayeringTests checks that it does); never called.</summary>
internal static class ClockAndRandomnessFixture
{
    public static DateTime Now() => DateTime.UtcNow;

    public static int Unseeded() => new Random().Next();
}
