using System.Diagnostics;

namespace Scheduler.Operator.Cycle;

/// <summary>Adds up the wall time a cycle's decisions spend waiting on PostgreSQL and on the API server (<see cref="CyclePhases"/>).</summary>
internal sealed class PhaseTimer
{
    private long _database;
    private long _api;

    public TimeSpan Database => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _database));

    public TimeSpan Api => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _api));

    public async Task<T> DatabaseAsync<T>(Task<T> call)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            return await call;
        }
        finally
        {
            Interlocked.Add(ref _database, Stopwatch.GetTimestamp() - started);
        }
    }

    public async Task DatabaseAsync(Task call)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await call;
        }
        finally
        {
            Interlocked.Add(ref _database, Stopwatch.GetTimestamp() - started);
        }
    }

    public async Task ApiAsync(Task call)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await call;
        }
        finally
        {
            Interlocked.Add(ref _api, Stopwatch.GetTimestamp() - started);
        }
    }
}
