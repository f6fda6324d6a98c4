using System.CommandLine;
using Scheduler.Cli.Client;
using Scheduler.Cli.Output;
using Scheduler.Domain.Jobs;

namespace Scheduler.Cli.Commands;

/// <summary><c>queue</c>: pending and running jobs with position, pending reason, predicted start, GPUs and progress (squeue).</summary>
internal static class QueueCommand
{
    /// <summary>One line of <c>gpusched queue</c>; also its --json shape.</summary>
    internal sealed record QueueEntry(
        Guid Id, string Name, string Queue, JobState State, string PriorityClass, double Gpus, string GpuType, int? Position,
        string Reason, DateTimeOffset? PredictedStart, double Progress, int Attempt, DateTimeOffset CreatedAt);

    private static readonly JobState[] Active = [JobState.Running, JobState.Admitted, JobState.Preempted, JobState.Queued];

    public static readonly Columns<QueueEntry> Table = new(
    [
        ("id", e => e.Id.ToString()),
        ("name", e => e.Name),
        ("queue", e => e.Queue),
        ("state", e => e.State.ToString()),
        ("priority", e => e.PriorityClass),
        ("gpus", e => Terminal.Number(e.Gpus)),
        ("gputype", e => e.GpuType),
        ("position", e => e.Position?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"),
        ("reason", e => e.Reason),
        ("start", e => Terminal.Time(e.PredictedStart)),
        ("progress", e => e.State == JobState.Queued ? "-" : Terminal.Number(e.Progress * 100, "0") + "%"),
        ("attempt", e => e.Attempt.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("submitted", e => Terminal.Time(e.CreatedAt)),
    ], ["id", "name", "queue", "state", "gpus", "gputype", "position", "reason", "start", "progress"]);

    public static Command Create(CommandKit kit)
    {
        var queue = new Option<string?>("--queue", "-q") { Description = "Only this queue's jobs." };
        var state = new Option<JobState?>("--state", "-s") { Description = "Only jobs in this state (default: Queued, Admitted, Running and Preempted)." };
        var user = new Option<string?>("--user", "-u") { Description = "Only jobs this user submitted." };
        var start = new Option<bool>("--start") { Description = "Queued jobs only, with position, pending reason and predicted start (squeue --start)." };
        var columns = CommandKit.ColumnsOption(Table.Names);
        var json = CommandKit.JsonOption();
        var command = kit.Create("queue", "Pending and running jobs: position, pending reason, predicted start, GPUs, progress (squeue).",
            "  gpusched queue\n  gpusched queue -q research -s Queued\n  gpusched queue -u ada --start\n  gpusched queue -o id,name,state,reason\n  gpusched queue --json");
        foreach (var option in new Option[] { queue, user, state, start, columns, json })
        {
            command.Options.Add(option);
        }

        command.SetAction((parsed, cancellationToken) => kit.WithClientAsync(parsed, async client =>
        {
            var pendingOnly = parsed.GetValue(start);
            var wanted = parsed.GetValue(state);
            if (pendingOnly && wanted is not (null or JobState.Queued))
            {
                throw CliException.Usage($"--start lists queued jobs; it does not combine with -s {wanted}");
            }

            var entries = await ListAsync(client, parsed.GetValue(queue), pendingOnly ? JobState.Queued : wanted, cancellationToken, parsed.GetValue(user));
            if (parsed.GetValue(json))
            {
                Terminal.WriteJson(kit.Context, entries);
            }
            else
            {
                var shown = parsed.GetValue(columns) ?? (pendingOnly ? "id,name,queue,position,reason,start" : null);
                Terminal.Write(kit.Context, Table.Render(entries, shown));
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    public static async Task<IReadOnlyList<QueueEntry>> ListAsync(SchedulerClient client, string? queue, JobState? state, CancellationToken cancellationToken, string? user = null)
    {
        var jobs = new List<JobView>();
        foreach (var wanted in state is { } one ? [one] : Active)
        {
            // The server filters by queue and state; the submitter is filtered here (GET /api/v1/jobs has no user filter).
            jobs.AddRange((await client.ListJobsAsync(queue, wanted, cancellationToken)).Where(j => user is null || string.Equals(j.SubmittedBy, user, StringComparison.Ordinal)));
        }

        // Positions come from the scheduler's ordering of each queue's pending jobs.
        var positions = jobs.Any(j => j.State == JobState.Queued)
            ? (await client.GetQueuesBoardAsync(cancellationToken)).Queues.SelectMany(q => q.Pending).ToDictionary(p => p.Id, p => p.Position)
            : [];
        return jobs
            .Select(j => new QueueEntry(j.Id, j.Name, j.Queue, j.State, j.PriorityClass, j.Gpus, j.GpuType,
                positions.TryGetValue(j.Id, out var position) ? position : null,
                j.State == JobState.Queued ? j.BudgetHold ?? j.PendingReason ?? j.Reason : j.Reason,
                j.PredictedStart, j.Progress, j.Attempt, j.CreatedAt))
            .OrderBy(e => e.Queue, StringComparer.Ordinal)
            .ThenBy(e => Array.IndexOf(Active, e.State) is var rank and >= 0 ? rank : Active.Length)
            .ThenBy(e => e.Position ?? int.MaxValue)
            .ThenBy(e => e.CreatedAt)
            .ThenBy(e => e.Id)
            .ToList();
    }
}
