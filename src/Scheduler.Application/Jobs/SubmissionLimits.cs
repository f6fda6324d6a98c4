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

    /// <summary>Jobs one user (the job's <c>submittedBy</c>) may have Queued across all queues; off unless configured.</summary>
    public int? MaxQueuedJobsPerUser { get; set; }

    /// <summary>Bytes of spec JSON held by all active jobs together (as PostgreSQL stores them); past it, 429.</summary>
    public long? MaxActiveSpecBytes { get; set; } = 1L << 30;

    /// <summary>How stale the stored figures (queued jobs per queue, active spec bytes) may be; this process adds its own submissions meanwhile.</summary>
    public TimeSpan ActiveSpecBytesRefresh { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// Checks <see cref="SubmissionLimits"/> before a job is admitted. The queued jobs per queue and the active spec bytes are
/// read from the store at most once per <see cref="SubmissionLimits.ActiveSpecBytesRefresh"/> (a count per queue over the
/// state index and a scan of the active specs), plus what this process submitted since, so a submission costs no scan.
/// Both caps are soft: submissions racing each other, jobs placed meanwhile, and other replicas' submissions may move the
/// true figures by what happened since the last read.
/// </summary>
internal sealed class SubmissionCaps(IOptions<SubmissionLimits> options, TimeProvider clock)
{
    public const string QueuedPerQueueLimit = "maxQueuedJobsPerQueue";
    public const string QueuedPerUserLimit = "maxQueuedJobsPerUser";
    public const string ActiveSpecBytesLimit = "maxActiveSpecBytes";

    private readonly Lock _gate = new();
    private bool _reading;
    private Dictionary<string, long> _queued = new(StringComparer.Ordinal);
    private Dictionary<string, long> _queuedByUser = new(StringComparer.Ordinal);
    private long _bytes;
    private DateTimeOffset _readAt = DateTimeOffset.MinValue;

    /// <summary>The cap this submission would pass, as a 429 naming the limit; null when there is room.</summary>
    /// <param name="tasks">Jobs the submission stores: an array's tasks each count as a queued job.</param>
    public async ValueTask<Failure?> CheckAsync(SchedulerDbContext db, JobSpec spec, string? user, CancellationToken cancellationToken, int tasks = 1)
    {
        var limits = options.Value;
        if (limits.MaxQueuedJobsPerQueue is null && limits.MaxActiveSpecBytes is null && limits.MaxQueuedJobsPerUser is null)
        {
            return null;
        }

        await RefreshAsync(db, limits.ActiveSpecBytesRefresh, cancellationToken);
        long queued, queuedByUser, held;
        lock (_gate)
        {
            queued = _queued.GetValueOrDefault(spec.Queue!);
            queuedByUser = user is null ? 0 : _queuedByUser.GetValueOrDefault(user);
            held = _bytes;
        }

        var adding = tasks == 1 ? string.Empty : $" and this array adds {tasks}";
        if (limits.MaxQueuedJobsPerQueue is { } perQueue && queued + tasks > perQueue)
        {
            return Failure.TooMany(QueuedPerQueueLimit, $"queue '{spec.Queue}' already holds {queued} queued jobs{adding}; the limit is {perQueue}");
        }

        if (limits.MaxQueuedJobsPerUser is { } perUser && user is not null && queuedByUser + tasks > perUser)
        {
            return Failure.TooMany(QueuedPerUserLimit, $"user '{user}' already has {queuedByUser} queued jobs{adding}; the limit is {perUser}");
        }

        var bytes = JobSpecValidator.SpecBytes(spec) * (long)tasks;
        if (limits.MaxActiveSpecBytes is { } maxBytes && held + bytes > maxBytes)
        {
            return Failure.TooMany(ActiveSpecBytesLimit, $"active jobs hold {held} bytes of specs; this one's {bytes} would pass the limit of {maxBytes}");
        }

        return null;
    }

    /// <summary>Counts a stored submission until the next read of the store.</summary>
    public void Added(JobSpec spec, string? user, int tasks = 1)
    {
        var bytes = JobSpecValidator.SpecBytes(spec) * (long)tasks;
        lock (_gate)
        {
            _queued[spec.Queue!] = _queued.GetValueOrDefault(spec.Queue!) + tasks;
            if (user is not null)
            {
                _queuedByUser[user] = _queuedByUser.GetValueOrDefault(user) + tasks;
            }

            _bytes += bytes;
        }
    }

    private async ValueTask RefreshAsync(SchedulerDbContext db, TimeSpan refresh, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        lock (_gate)
        {
            // One submission reads; the others meanwhile go on with the figures they have.
            if (_reading || now - _readAt < refresh)
            {
                return;
            }

            _reading = true;
        }

        try
        {
            var queued = await db.Jobs.Where(j => j.State == JobState.Queued).GroupBy(j => j.Queue)
                .Select(g => new { Queue = g.Key, Count = g.LongCount() }).ToDictionaryAsync(g => g.Queue, g => g.Count, StringComparer.Ordinal, cancellationToken);
            var queuedByUser = options.Value.MaxQueuedJobsPerUser is null
                ? new Dictionary<string, long>(StringComparer.Ordinal)
                : await db.Jobs.Where(j => j.State == JobState.Queued && j.SubmittedBy != null).GroupBy(j => j.SubmittedBy!)
                    .Select(g => new { User = g.Key, Count = g.LongCount() }).ToDictionaryAsync(g => g.User, g => g.Count, StringComparer.Ordinal, cancellationToken);
            // octet_length of the JSON text: what the leader holds once it reads the specs (jsonb's own size hides compression).
            var bytes = options.Value.MaxActiveSpecBytes is null ? 0 : await db.Database
                .SqlQueryRaw<long>("SELECT coalesce(sum(octet_length(spec::text)), 0)::bigint AS \"Value\" FROM jobs WHERE state NOT IN ('Succeeded', 'Failed', 'Cancelled')")
                .SingleAsync(cancellationToken);
            lock (_gate)
            {
                _queued = queued;
                _queuedByUser = queuedByUser;
                _bytes = bytes;
                _readAt = now;
            }
        }
        finally
        {
            lock (_gate)
            {
                _reading = false;
            }
        }
    }
}
