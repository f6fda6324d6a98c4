using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Scheduler.Application.Common;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Specs;
using Scheduler.Persistence;

namespace Scheduler.Application.Jobs;

/// <summary>
/// Caps on what submissions may pile up (configuration section <c>Scheduler:Limits</c>; a null or absent value turns a
/// cap off). The leader loads every active spec each cycle, so these bound its work and memory whatever clients send.
/// </summary>
public sealed class SubmissionLimits
{
    public const string Section = "Scheduler:Limits";

    /// <summary>Jobs waiting in state Queued in one queue; the next submission to it is answered 429.</summary>
    public int? MaxQueuedJobsPerQueue { get; set; } = 10_000;

    /// <summary>
    /// Jobs one user may have Queued. Not enforced yet: submissions carry no user until authentication lands; the check
    /// belongs in <see cref="SubmissionCaps.CheckAsync"/> beside the per-queue one, with the user passed in.
    /// </summary>
    public int? MaxQueuedJobsPerUser { get; set; }

    /// <summary>Bytes of spec JSON held by all active jobs together (as PostgreSQL stores them); past it, 429.</summary>
    public long? MaxActiveSpecBytes { get; set; } = 1L << 30;

    /// <summary>How stale the stored total of active spec bytes may be; this process adds its own submissions meanwhile.</summary>
    public TimeSpan ActiveSpecBytesRefresh { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// Checks <see cref="SubmissionLimits"/> before a job is admitted. The per-queue count is read exactly; the total of
/// active spec bytes (a scan of every active job) at most once per <see cref="SubmissionLimits.ActiveSpecBytesRefresh"/>,
/// plus what this process submitted since. Both are soft: submissions racing each other (or on other replicas) may
/// together pass a cap by what was in flight.
/// </summary>
internal sealed class SubmissionCaps(IOptions<SubmissionLimits> options, TimeProvider clock)
{
    public const string QueuedPerQueueLimit = "maxQueuedJobsPerQueue";
    public const string ActiveSpecBytesLimit = "maxActiveSpecBytes";

    private readonly Lock _gate = new();
    private long _storedBytes;
    private long _addedBytes;
    private DateTimeOffset _readAt = DateTimeOffset.MinValue;

    /// <summary>The cap this submission would pass, as a 429 naming the limit; null when there is room.</summary>
    public async ValueTask<Failure?> CheckAsync(SchedulerDbContext db, JobSpec spec, CancellationToken cancellationToken)
    {
        var limits = options.Value;
        if (limits.MaxQueuedJobsPerQueue is { } perQueue)
        {
            var queued = await db.Jobs.CountAsync(j => j.Queue == spec.Queue && j.State == JobState.Queued, cancellationToken);
            if (queued >= perQueue)
            {
                return Failure.TooMany(QueuedPerQueueLimit, $"queue '{spec.Queue}' already holds {queued} queued jobs; the limit is {perQueue}");
            }
        }

        if (limits.MaxActiveSpecBytes is { } maxBytes)
        {
            var held = await ActiveSpecBytesAsync(db, limits.ActiveSpecBytesRefresh, cancellationToken);
            var bytes = JobSpecValidator.SpecBytes(spec);
            if (held + bytes > maxBytes)
            {
                return Failure.TooMany(ActiveSpecBytesLimit, $"active jobs hold {held} bytes of specs; this one's {bytes} would pass the limit of {maxBytes}");
            }
        }

        return null;
    }

    /// <summary>Counts a stored submission's spec until the next read of the total.</summary>
    public void Added(JobSpec spec)
    {
        if (options.Value.MaxActiveSpecBytes is null)
        {
            return;
        }

        var bytes = JobSpecValidator.SpecBytes(spec);
        lock (_gate)
        {
            _addedBytes += bytes;
        }
    }

    private async ValueTask<long> ActiveSpecBytesAsync(SchedulerDbContext db, TimeSpan refresh, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        lock (_gate)
        {
            if (now - _readAt < refresh)
            {
                return _storedBytes + _addedBytes;
            }
        }

        // octet_length of the JSON text: what the leader holds once it reads the specs (jsonb's own size hides compression).
        var stored = await db.Database
            .SqlQueryRaw<long>("SELECT coalesce(sum(octet_length(spec::text)), 0)::bigint AS \"Value\" FROM jobs WHERE state NOT IN ('Succeeded', 'Failed', 'Cancelled')")
            .SingleAsync(cancellationToken);
        lock (_gate)
        {
            _storedBytes = stored;
            _addedBytes = 0;
            _readAt = now;
            return stored;
        }
    }
}
