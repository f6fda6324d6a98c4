using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Scheduler.Application.Admission;

/// <summary>
/// Sends <see cref="ReleaseBudgetHolds"/> every <see cref="Interval"/>, so held jobs are released when a new budget period
/// begins (ending a job already releases its queue's holds at once). Every replica may run it: a release decided on a
/// stale read is refused by the charge's revision.
/// </summary>
internal sealed partial class BudgetHoldRelease(IServiceScopeFactory scopes, TimeProvider clock, ILogger<BudgetHoldRelease> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var released = await scope.ServiceProvider.GetRequiredService<ISender>().Send(new ReleaseBudgetHolds(), stoppingToken);
                if (released > 0)
                {
                    Released(released);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The store may be briefly unreachable; the next tick tries again.
                Failed(ex);
            }
        }
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Released {Count} jobs held for GPU-hour budget")]
    private partial void Released(int count);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Releasing budget holds failed; retrying next interval")]
    private partial void Failed(Exception exception);
}
