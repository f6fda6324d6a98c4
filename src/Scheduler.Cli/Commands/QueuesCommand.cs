using System.CommandLine;
using Scheduler.Cli.Client;
using Scheduler.Cli.Output;

namespace Scheduler.Cli.Commands;

/// <summary><c>queues</c>: every queue with its jobs, quota use, borrowing, fair-share weight and budget left (sshare).</summary>
internal static class QueuesCommand
{
    /// <summary>One queue; also the --json shape.</summary>
    internal sealed record QueueEntry(
        string Name, string? Cohort, int Queued, int Admitted, int Running, IReadOnlyList<QuotaBarView> Quota, double? FairShareWeight, BudgetBarView? Budget);

    public static readonly Columns<QueueEntry> Table = new(
    [
        ("name", q => q.Name),
        ("cohort", q => q.Cohort ?? "-"),
        ("queued", q => q.Queued.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("admitted", q => q.Admitted.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("running", q => q.Running.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("quota", q => string.Join(" ", q.Quota.Select(b => $"{b.GpuType}:{Terminal.Number(b.Used)}/{b.Nominal}"))),
        ("borrowed", q => string.Join(" ", q.Quota.Where(b => b.Borrowed > 0).Select(b => $"{b.GpuType}:{Terminal.Number(b.Borrowed)}")) is { Length: > 0 } text ? text : "-"),
        ("weight", q => q.FairShareWeight is { } w ? Terminal.Number(w) : "-"),
        ("budget", q => q.Budget is { } b ? $"{Terminal.Number(b.RemainingGpuHours, "0.#")}/{Terminal.Number(b.GpuHours, "0.#")} h per {b.Period.ToLowerInvariant()}" : "-"),
    ], ["name", "cohort", "queued", "admitted", "running", "quota", "borrowed", "weight", "budget"]);

    public static Command Create(CommandKit kit)
    {
        var columns = CommandKit.ColumnsOption(Table.Names);
        var json = CommandKit.JsonOption();
        var command = kit.Create("queues", "Queues: jobs, GPUs used of the nominal quota, borrowing, fair-share weight, GPU-hour budget left (sshare).",
            "  gpusched queues\n  gpusched queues --json");
        command.Options.Add(columns);
        command.Options.Add(json);
        command.SetAction((parsed, cancellationToken) => kit.WithClientAsync(parsed, async client =>
        {
            var queues = await ListAsync(client, cancellationToken);
            if (parsed.GetValue(json))
            {
                Terminal.WriteJson(kit.Context, queues);
            }
            else
            {
                Terminal.Write(kit.Context, Table.Render(queues, parsed.GetValue(columns)));
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    public static async Task<IReadOnlyList<QueueEntry>> ListAsync(SchedulerClient client, CancellationToken cancellationToken)
    {
        var board = await client.GetQueuesBoardAsync(cancellationToken);
        var specs = (await client.ListQueuesAsync(cancellationToken)).ToDictionary(q => q.Name, q => q.Spec, StringComparer.Ordinal);
        return board.Queues.OrderBy(q => q.Name, StringComparer.Ordinal)
            .Select(q => new QueueEntry(q.Name, q.Cohort, q.Counts.Queued, q.Counts.Admitted, q.Counts.Running,
                q.Quota.OrderBy(b => b.GpuType, StringComparer.Ordinal).ToList(), specs.GetValueOrDefault(q.Name)?.FairShareWeight, q.Budget))
            .ToList();
    }
}
