using System.Threading.Channels;

namespace Scheduler.Operator.Cycle;

/// <summary>
/// Asks for a scheduling cycle: the Quartz timer and every relevant watch event call <see cref="Request"/>; the leader's
/// loop waits in <see cref="WaitAsync"/>. Requests made while one is pending, or during the debounce window, fold into one cycle.
/// A cycle also starts no sooner after the previous one ended than that one took (up to <paramref name="longestPause"/>): in a
/// burst every pod event asks for a cycle, and each pays a fixed cost over all active jobs (reading changes, reconciling their
/// pods, the snapshot), so back-to-back cycles took most of a core from the pod creations they wait for. Short cycles (the
/// steady state) are not held back beyond the debounce window.
/// </summary>
public sealed class CycleTrigger(TimeProvider time, TimeSpan debounce, TimeSpan longestPause)
{
    private readonly Channel<bool> _requests = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });

    private long? _cycleStarted;
    private TimeSpan _lastCycle;
    private long _lastEnded;

    public void Request() => _requests.Writer.TryWrite(true);

    /// <summary>
    /// Waits for a request, then for the debounce window (longer after a long cycle), and takes every request made meanwhile
    /// with it. The loop calls it between cycles: the time since the last call returned is the last cycle's.
    /// </summary>
    public async Task WaitAsync(CancellationToken cancellationToken)
    {
        if (_cycleStarted is { } started)
        {
            _lastCycle = time.GetElapsedTime(started);
            _lastEnded = time.GetTimestamp();
            _cycleStarted = null;
        }

        await _requests.Reader.ReadAsync(cancellationToken);
        var pause = Pause(debounce, _lastCycle < longestPause ? _lastCycle : longestPause, time.GetElapsedTime(_lastEnded));
        if (pause > TimeSpan.Zero)
        {
            await Task.Delay(pause, time, cancellationToken);
        }

        _requests.Reader.TryRead(out _);
        _cycleStarted = time.GetTimestamp();
    }

    /// <summary>The debounce window, or what is left of the last cycle's length since it ended, whichever is longer.</summary>
    internal static TimeSpan Pause(TimeSpan debounce, TimeSpan lastCycle, TimeSpan sinceLastEnded)
    {
        var paced = lastCycle - sinceLastEnded;
        return paced > debounce ? paced : debounce;
    }
}
