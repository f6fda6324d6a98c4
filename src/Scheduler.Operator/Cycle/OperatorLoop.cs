using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Scheduler.Kubernetes.Leadership;
using Scheduler.Operator.Inventory;

namespace Scheduler.Operator.Cycle;

/// <summary>
/// Only the leader schedules: campaigns for the Lease and, while leading, runs one cycle per trigger (the Quartz timer or a
/// watch event), one at a time, with a token that is cancelled the moment leadership is lost. A failed cycle is logged and
/// the next trigger tries again from fresh state (the store and the API server are the truth, not this process). Each time it
/// becomes leader it first begins a new leader term in PostgreSQL; a write refused for a stale term (another replica leads,
/// this one was paused past its lease) ends its leadership: it steps down and campaigns again.
/// </summary>
public sealed partial class OperatorLoop : BackgroundService
{
    private readonly LeaderElection _election;
    private readonly CycleTrigger _trigger;
    private readonly OperatorCycle _cycle;
    private readonly ILogger<OperatorLoop> _logger;

    public OperatorLoop(LeaderElection election, CycleTrigger trigger, OperatorCycle cycle, ClusterInventory inventory, ILogger<OperatorLoop> logger)
    {
        ArgumentNullException.ThrowIfNull(inventory);
        _election = election;
        _trigger = trigger;
        _cycle = cycle;
        _logger = logger;
        inventory.Changed += trigger.Request;
    }

    public bool IsLeader => _election.IsLeader;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => _election.RunAsync(LeadAsync, stoppingToken);

    private async Task LeadAsync(CancellationToken leadership)
    {
        _cycle.CollectOrphansNext();
        _trigger.Request();
        var termBegun = false;
        while (!leadership.IsCancellationRequested)
        {
            try
            {
                await _trigger.WaitAsync(leadership);
                if (!termBegun)
                {
                    // Before any write: until the term is ours the previous leader's writes still commit.
                    var term = await _cycle.BeginTermAsync(_election.Identity, leadership);
                    termBegun = true;
                    LogTermBegun(_election.Identity, term.Term ?? 0);
                }

                await _cycle.RunOnceAsync(leadership);
            }
            catch (OperationCanceledException) when (leadership.IsCancellationRequested)
            {
                return;
            }
            catch (Scheduler.Operator.Store.StaleLeaderException e)
            {
                LogFenced(e, _election.Identity);
                return;
            }
#pragma warning disable CA1031 // one failed cycle (API server or database unreachable) must not end the leader's loop
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogCycleFailed(e);
                _cycle.ReadAllNext();
            }
        }
    }

    [LoggerMessage(EventId = 111, Level = LogLevel.Information, Message = "{Identity} leads under term {Term}")]
    private partial void LogTermBegun(string identity, long term);

    [LoggerMessage(EventId = 112, Level = LogLevel.Warning, Message = "{Identity} was fenced: a newer leader term exists, so its writes are refused; stepping down")]
    private partial void LogFenced(Exception exception, string identity);

    [LoggerMessage(EventId = 110, Level = LogLevel.Warning, Message = "Scheduling cycle failed; the next trigger retries")]
    private partial void LogCycleFailed(Exception exception);
}
