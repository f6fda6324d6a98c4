using System.Diagnostics;

namespace Scheduler.Operator.Cycle;

/// <summary>Adds up the wall time a cycle's decisions spend waiting on PostgreSQL and on the API server (<see cref="CyclePhases"/>).</summary>
internal sealed class PhaseTimer
{
    private const int DatabaseSlot = 0;
    private const int ApiSlot = 1;

    // Stopwatch ticks waited, per slot; added from concurrent calls.
    private readonly long[] _ticks = new long[2];

    public TimeSpan Database => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _ticks[DatabaseSlot]));

    public TimeSpan Api => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _ticks[ApiSlot]));

    public async Task<T> DatabaseAsync<T>(Task<T> call)
    {
        await WaitAsync(call, DatabaseSlot);
        return await call; // completed by now: its result (a failure was already thrown by the wait)
    }

    public Task DatabaseAsync(Task call) => WaitAsync(call, DatabaseSlot);

    public Task ApiAsync(Task call) => WaitAsync(call, ApiSlot);

    /// <summary>Waits for <paramref name="call"/> and adds the time waited to <paramref name="slot"/>, also when it fails.</summary>
    private async Task WaitAsync(Task call, int slot)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await call;
        }
        finally
        {
            Interlocked.Add(ref _ticks[slot], Stopwatch.GetTimestamp() - started);
        }
    }
}
