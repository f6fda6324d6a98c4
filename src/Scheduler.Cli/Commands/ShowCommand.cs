using System.CommandLine;
using Scheduler.Cli.Output;
using Scheduler.Domain.Specs;
using Spectre.Console;

namespace Scheduler.Cli.Commands;

/// <summary><c>show JOB</c>: the job, its estimate against what telemetry measured, its nodes and its events (scontrol show job).</summary>
internal static class ShowCommand
{
    public static Command Create(CommandKit kit)
    {
        var job = new Argument<string>("job") { Description = "The job id." };
        var json = CommandKit.JsonOption();
        var command = kit.Create("show", "Everything about a job: spec, estimate vs measured, nodes, events (scontrol show job).",
            "  gpusched show 0193a2b4-5c6d-7e8f-9012-3456789abcde\n  gpusched show 0193a2b4-5c6d-7e8f-9012-3456789abcde --json");
        command.Arguments.Add(job);
        command.Options.Add(json);
        command.SetAction((parsed, cancellationToken) => kit.WithClientAsync(parsed, async client =>
        {
            var id = CommandKit.JobId(parsed.GetValue(job)!);
            var details = await client.GetJobAsync(id, cancellationToken);
            var events = await client.GetJobEventsAsync(id, cancellationToken);
            if (parsed.GetValue(json))
            {
                Terminal.WriteJson(kit.Context, new { job = details, events });
                return ExitCodes.Ok;
            }

            var grid = new Grid().AddColumn(new GridColumn { NoWrap = true, Padding = new Padding(0, 0, 2, 0) }).AddColumn();
            void Row(string name, string? value) => grid.AddRow(new Text(name + ":"), new Text(string.IsNullOrEmpty(value) ? "-" : value));
            Row("Id", details.Id.ToString());
            Row("Name", details.Name);
            Row("Queue", details.Queue);
            Row("Priority", details.PriorityClass);
            Row("State", $"{details.State} ({details.Reason})");
            Row("Pending", details.BudgetHold ?? details.PendingReason);
            Row("Attempt", details.Attempt.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Row("GPUs", $"{Terminal.Number(details.Gpus)} x {details.GpuType}");
            Row("Nodes", details.Nodes is { Count: > 0 } nodes ? string.Join(",", nodes) : null);
            Row("Submitted", Terminal.Time(details.CreatedAt));
            Row("Updated", Terminal.Time(details.UpdatedAt));
            Row("Start", details.PredictedStart is null ? null : "predicted " + Terminal.Time(details.PredictedStart));
            Row("Progress", Terminal.Number(details.Progress * 100, "0") + "%");
            var e = details.Estimate;
            var m = details.Measured;
            Row("GPU-hours", $"predicted {(e is null ? "-" : Terminal.Number(e.GpuHours))}, measured {(m is null ? "-" : Terminal.Number(m.GpuHours))}");
            Row("Memory/GPU", $"predicted {(e?.MemoryPerGpuGiB is null ? "-" : Terminal.Number(e.MemoryPerGpuGiB.Total, "0.0") + " GiB")}, peak {(m?.PeakMemoryGiB is { } peak ? Terminal.Number(peak, "0.0") + " GiB" : "-")}");
            Row("Wall-clock", e is null ? null : $"predicted {Terminal.Number(e.WallHours)} h");
            if (e?.Interconnect?.Note is { } interconnect)
            {
                Row("Interconnect", interconnect); // only placed gangs have one; others keep the table as it was
            }

            Row("Throughput", m is null ? null : $"{Terminal.Number(m.TokensPerSecond, "0")} tokens/s, MFU {(m.Mfu is { } mfu ? Terminal.Number(mfu * 100, "0.0") + "%" : "-")}, step {m.Step}");
            var console = Terminal.Console(kit.Context);
            console.Write(grid);
            console.WriteLine();
            console.WriteLine("Events:");
            var table = Terminal.Table(["SEQ", "AT", "FROM", "TO", "REASON"]);
            foreach (var ev in events)
            {
                table.AddRow(ev.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture), Terminal.Time(ev.At), ev.From?.ToString() ?? "-", ev.To.ToString(), Terminal.Escape(ev.Reason));
            }

            console.Write(table);
            console.WriteLine();
            console.WriteLine("Spec:");
            kit.Context.Output.WriteLine(details.Spec is null ? "-" : System.Text.Json.JsonSerializer.Serialize(details.Spec, JobSpecJson.IndentedOptions));
            return ExitCodes.Ok;
        }));
        return command;
    }
}
