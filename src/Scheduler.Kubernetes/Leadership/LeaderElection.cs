using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Scheduler.Kubernetes.Leadership;

/// <summary>
/// Only the leader schedules: wraps the client's <see cref="LeaderElector"/> over a coordination.k8s.io Lease. While this
/// replica leads, <c>whileLeading</c> runs with a token that is cancelled the moment leadership is lost, so work started
/// as leader stops before another replica can take over (the renew deadline is shorter than the lease duration).
/// </summary>
public sealed partial class LeaderElection
{
    private readonly IKubernetes _client;
    private readonly LeaderElectionOptions _options;
    private readonly ILogger _logger;
    private volatile bool _isLeader;

    public LeaderElection(IKubernetes client, LeaderElectionOptions options, ILogger? logger = null)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        ArgumentNullException.ThrowIfNull(options);
        _options = string.IsNullOrEmpty(options.Identity) ? options with { Identity = $"{Environment.MachineName}-{Guid.NewGuid():N}" } : options;
        _logger = logger ?? NullLogger.Instance;
    }

    public string Identity => _options.Identity;

    public bool IsLeader => _isLeader;

    /// <summary>The identity of the leader this replica last observed.</summary>
    public string? CurrentLeader { get; private set; }

    /// <summary>
    /// Campaigns until <paramref name="cancellationToken"/> fires; each time this replica wins, runs
    /// <paramref name="whileLeading"/> until it returns or leadership is lost, then campaigns again. When
    /// <paramref name="whileLeading"/> returns on its own (it stepped down: fenced by a newer leader term), the Lease is no
    /// longer renewed and the replica campaigns again after a retry period.
    /// </summary>
    public async Task RunAsync(Func<CancellationToken, Task> whileLeading, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(whileLeading);
        while (!cancellationToken.IsCancellationRequested)
        {
            using var leadership = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var electing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var elector = new LeaderElector(new LeaderElectionConfig(new LeaseLock(_client, _options.Namespace, _options.LeaseName, _options.Identity))
            {
                LeaseDuration = _options.LeaseDuration,
                RenewDeadline = _options.RenewDeadline,
                RetryPeriod = _options.RetryPeriod,
            });
            Task? work = null;
            elector.OnStartedLeading += () =>
            {
                _isLeader = true;
                LogStarted(_logger, _options.Identity, _options.LeaseName);
                work = Task.Run(async () =>
                {
                    try
                    {
                        await whileLeading(leadership.Token);
                    }
                    finally
                    {
                        // Stepped down (or lost the lease): stop renewing it.
                        await electing.CancelAsync();
                    }
                }, CancellationToken.None);
            };
            elector.OnStoppedLeading += () =>
            {
                _isLeader = false;
                leadership.Cancel();
                LogStopped(_logger, _options.Identity);
            };
            elector.OnNewLeader += leader => CurrentLeader = leader;
            elector.OnError += e => LogError(_logger, _options.LeaseName, e);

            try
            {
                await elector.RunUntilLeadershipLostAsync(electing.Token);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }
            catch (OperationCanceledException) when (electing.IsCancellationRequested)
            {
                // Stepped down: give the replica that fenced us a retry period before campaigning again.
                await Task.Delay(_options.RetryPeriod, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            catch (Exception e) when (e is HttpRequestException or k8s.Autorest.HttpOperationException or IOException)
            {
                // The API server is unreachable: not leading now; campaign again after a retry period.
                LogError(_logger, _options.LeaseName, e);
                await Task.Delay(_options.RetryPeriod, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            finally
            {
                _isLeader = false;
                await leadership.CancelAsync();
                if (work is not null)
                {
                    await work.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }
            }
        }
    }

    [LoggerMessage(EventId = 5201, Level = LogLevel.Information, Message = "{Identity} became leader (lease {Lease})")]
    private static partial void LogStarted(ILogger logger, string identity, string lease);

    [LoggerMessage(EventId = 5202, Level = LogLevel.Warning, Message = "{Identity} lost leadership")]
    private static partial void LogStopped(ILogger logger, string identity);

    [LoggerMessage(EventId = 5203, Level = LogLevel.Debug, Message = "Leader election on lease {Lease} hit an error")]
    private static partial void LogError(ILogger logger, string lease, Exception exception);
}
