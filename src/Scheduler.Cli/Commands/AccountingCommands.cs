using System.CommandLine;
using System.Globalization;
using Scheduler.Cli.Client;
using Scheduler.Cli.Output;
using Scheduler.Domain.Jobs;

namespace Scheduler.Cli.Commands;

/// <summary><c>history</c> (sacct) and <c>usage</c> (sreport) over GET /api/v1/accounting/jobs and /usage.</summary>
internal static class AccountingCommands
{
    public static readonly Columns<AccountingRowView> HistoryTable = new(
    [
        ("id", r => r.Id.ToString()),
        ("name", r => r.Name),
        ("queue", r => r.Queue),
        ("state", r => r.State.ToString()),
        ("reason", r => r.Reason),
        ("gpus", r => Terminal.Number(r.Gpus)),
        ("gputype", r => r.GpuType),
        ("start", r => Terminal.Time(r.StartedAt)),
        ("end", r => Terminal.Time(r.EndedAt)),
        ("elapsed", r => Elapsed(r.ElapsedSeconds)),
        ("attempts", r => r.Attempts.Count.ToString(CultureInfo.InvariantCulture)),
        ("gpuhours", r => Terminal.Number(r.GpuHours, "0.00")),
        ("predicted", r => r.PredictedGpuHours is { } p ? Terminal.Number(p, "0.00") : "-"),
        ("measured", r => r.MeasuredGpuHours is { } m ? Terminal.Number(m, "0.00") : "-"),
        ("mempredicted", r => r.PredictedMemoryGiB is { } p ? Terminal.Number(p, "0.0") : "-"),
        ("mempeak", r => r.PeakMemoryGiB is { } m ? Terminal.Number(m, "0.0") : "-"),
        ("user", r => r.SubmittedBy ?? "-"),
        ("team", r => r.Team ?? "-"),
    ], ["id", "name", "queue", "state", "gpus", "gputype", "elapsed", "attempts", "gpuhours", "predicted", "measured", "mempeak"]);

    public static readonly Columns<UsageRowView> UsageTable = new(
    [
        ("group", r => r.Group),
        ("period", r => r.PeriodStart.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
        ("gputype", r => r.GpuType),
        ("gpuhours", r => Terminal.Number(r.GpuHours, "0.00")),
        ("jobs", r => r.Jobs.ToString(CultureInfo.InvariantCulture)),
        ("predicted", r => Terminal.Number(r.PredictedGpuHours, "0.00")),
        ("measured", r => Terminal.Number(r.MeasuredGpuHours, "0.00")),
    ], ["group", "period", "gputype", "gpuhours", "jobs", "predicted", "measured"]);

    public static Command History(CommandKit kit)
    {
        var queue = new Option<string?>("--queue", "-q") { Description = "Only this queue's jobs." };
        var state = new Option<JobState?>("--state", "-s") { Description = "Only jobs in this state." };
        var user = new Option<string?>("--user", "-u") { Description = "Only jobs this user submitted." };
        var from = new Option<string?>("--starttime", "-S") { Description = "Window start, ISO-8601 (default: 7 days before the end)." };
        var to = new Option<string?>("--endtime", "-E") { Description = "Window end, ISO-8601 (default: now)." };
        var limit = new Option<int>("--limit") { Description = "At most this many jobs (the server pages by 1000).", DefaultValueFactory = _ => 1000 };
        var columns = CommandKit.ColumnsOption(HistoryTable.Names);
        // sacct's name for the column list.
        columns.Aliases.Add("--format");
        var json = CommandKit.JsonOption();
        var csv = new Option<bool>("--csv") { Description = "Print the server's CSV (Accept: text/csv)." };
        var command = kit.Create("history", "Jobs that ran or ended: elapsed, GPU-hours used vs predicted, peak memory, outcome (sacct).",
            "  gpusched history\n  gpusched history -u alice -q research -S 2026-01-01 -E 2026-02-01\n  gpusched history -s Failed -o id,name,reason,elapsed\n  gpusched history --csv > jobs.csv");
        foreach (var option in new Option[] { queue, state, user, from, to, limit, columns, json, csv })
        {
            command.Options.Add(option);
        }

        command.SetAction((parsed, cancellationToken) => kit.WithClientAsync(parsed, async client =>
        {
            var query = Query(("queue", parsed.GetValue(queue)), ("state", parsed.GetValue(state)?.ToString()), ("user", parsed.GetValue(user)), ("from", parsed.GetValue(from)), ("to", parsed.GetValue(to)),
                ("limit", Math.Clamp(parsed.GetValue(limit), 1, 1000).ToString(CultureInfo.InvariantCulture)));
            if (parsed.GetValue(csv))
            {
                kit.Context.Output.Write(await client.GetTextAsync("api/v1/accounting/jobs" + query, "text/csv", cancellationToken));
                return ExitCodes.Ok;
            }

            var page = await client.GetAsync<AccountingPageView>("api/v1/accounting/jobs" + query, cancellationToken);
            if (parsed.GetValue(json))
            {
                Terminal.WriteJson(kit.Context, page);
            }
            else
            {
                Terminal.Write(kit.Context, HistoryTable.Render(page.Items, parsed.GetValue(columns)));
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    public static Command Usage(CommandKit kit)
    {
        var by = new Option<string>("--by") { Description = "Group by queue, user (who submitted) or team (who owns the queue).", DefaultValueFactory = _ => "queue" };
        by.AcceptOnlyFromAmong("queue", "user", "team");
        var period = new Option<string>("--period") { Description = "day, week or month.", DefaultValueFactory = _ => "day" };
        period.AcceptOnlyFromAmong("day", "week", "month");
        var from = new Option<string?>("--starttime", "-S") { Description = "Window start, ISO-8601 (default: 30 days before the end)." };
        var to = new Option<string?>("--endtime", "-E") { Description = "Window end, ISO-8601 (default: now)." };
        var columns = CommandKit.ColumnsOption(UsageTable.Names);
        var json = CommandKit.JsonOption();
        var csv = new Option<bool>("--csv") { Description = "Print the server's CSV (Accept: text/csv)." };
        var command = kit.Create("usage", "GPU-hours by queue, user or team, period and GPU type, with the jobs' predicted and measured GPU-hours (sreport).",
            "  gpusched usage\n  gpusched usage --by team --period week -S 2026-01-01\n  gpusched usage --by user -o group,gputype,gpuhours\n  gpusched usage --period month --csv > usage.csv");
        foreach (var option in new Option[] { by, period, from, to, columns, json, csv })
        {
            command.Options.Add(option);
        }

        command.SetAction((parsed, cancellationToken) => kit.WithClientAsync(parsed, async client =>
        {
            var query = Query(("by", parsed.GetValue(by)), ("period", parsed.GetValue(period)), ("from", parsed.GetValue(from)), ("to", parsed.GetValue(to)));
            if (parsed.GetValue(csv))
            {
                kit.Context.Output.Write(await client.GetTextAsync("api/v1/accounting/usage" + query, "text/csv", cancellationToken));
                return ExitCodes.Ok;
            }

            var report = await client.GetAsync<UsageReportView>("api/v1/accounting/usage" + query, cancellationToken);
            if (parsed.GetValue(json))
            {
                Terminal.WriteJson(kit.Context, report);
            }
            else
            {
                Terminal.Write(kit.Context, UsageTable.Render(report.Rows, parsed.GetValue(columns)));
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static string Query(params (string Name, string? Value)[] parameters)
    {
        var present = parameters.Where(p => p.Value is not null).Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value!)}").ToList();
        return present.Count == 0 ? "" : "?" + string.Join('&', present);
    }

    private static string Elapsed(double seconds)
    {
        var span = TimeSpan.FromSeconds(Math.Round(seconds));
        return span.Days > 0 ? span.ToString(@"d\-hh\:mm\:ss", CultureInfo.InvariantCulture) : span.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture);
    }
}
