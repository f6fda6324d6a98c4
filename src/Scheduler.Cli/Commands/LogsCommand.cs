using System.CommandLine;

namespace Scheduler.Cli.Commands;

/// <summary><c>logs JOB [-f] [--rank N] [--attempt N] [--tail N]</c>: GET /api/v1/jobs/{id}/logs, streamed to stdout (kubectl logs, or Slurm's output file).</summary>
internal static class LogsCommand
{
    public static Command Create(CommandKit kit)
    {
        var job = new Argument<string>("job") { Description = "The job id." };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep streaming new lines until the container ends." };
        var rank = new Option<int?>("--rank") { Description = "The pod's rank (default 0)." };
        var attempt = new Option<int?>("--attempt") { Description = "The attempt (default the current one); earlier ones while their pods exist." };
        var tail = new Option<int?>("--tail") { Description = "Only the last N lines (the server's bound when absent)." };
        var command = kit.Create("logs", "Print a job pod's trainer log (kubectl logs).",
            "  gpusched logs 0193a2b4-5c6d-7e8f-9012-3456789abcde\n  gpusched logs 0193a2b4-5c6d-7e8f-9012-3456789abcde -f --rank 1 --tail 100");
        command.Arguments.Add(job);
        command.Options.Add(follow);
        command.Options.Add(rank);
        command.Options.Add(attempt);
        command.Options.Add(tail);
        command.SetAction((parsed, cancellationToken) => kit.WithClientAsync(parsed, async client =>
        {
            await client.StreamLogAsync(CommandKit.JobId(parsed.GetValue(job)!), parsed.GetValue(rank), parsed.GetValue(attempt), parsed.GetValue(follow),
                parsed.GetValue(tail), kit.Context.Output, cancellationToken);
            return ExitCodes.Ok;
        }));
        return command;
    }
}
