using System.Threading.Channels;

namespace Scheduler.Operator.Cycle;

/// <summary>
/// Asks for a scheduling cycle: the Quartz timer and every relevant watch event call <see cref="Request"/>; the leader's
/// loop waits in <see cref="WaitAsync"/>. Requests made while one is pending, or during the debounce window, fold into one cycle.
/// </summary>
public sealed class CycleTrigger(TimeProvider time, TimeSpan debounce)
{
    private readonly Channel<bool> _requests = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });

    public void Request() => _requests.Writer.TryWrite(true);

    /// <summary>Waits for a request, then for the debounce window, and takes every request made meanwhile with it.</summary>
    public async Task WaitAsync(CancellationToken cancellationToken)
    {
        await _requests.Reader.ReadAsync(cancellationToken);
        if (debounce > TimeSpan.Zero)
        {
            await Task.Delay(debounce, time, cancellationToken);
        }

        _requests.Reader.TryRead(out _);
    }
}
