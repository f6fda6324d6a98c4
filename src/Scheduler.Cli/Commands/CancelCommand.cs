using System.CommandLine;
using Scheduler.Cli.Output;

namespace Scheduler.Cli.Commands;

/// <summary><c>cancel JOB</c>: DELETE /api/v1/jobs/{id} (idempotent; a job that already ended is refused, exit 1).</summary>
internal static class CancelCommand
{
    public static Command Create(CommandKit kit)
    {
        var job = new Argument<string>("job") { Description = "The job id." };
        var json = CommandKit.JsonOption();
        var command = kit.Create("cancel", "Cancel a job (scancel).", "  gpusched cancel 0193a2b4-5c6d-7e8f-9012-3456789abcde");
        command.Arguments.Add(job);
        command.Options.Add(json);
        command.SetAction((parsed, cancellationToken) => kit.WithClientAsync(parsed, async client =>
        {
            var cancelled = await client.CancelJobAsync(CommandKit.JobId(parsed.GetValue(job)!), cancellationToken);
            if (parsed.GetValue(json))
            {
                Terminal.WriteJson(kit.Context, cancelled);
            }
            else
            {
                kit.Context.Output.WriteLine($"{cancelled.Id} {cancelled.State}");
            }

            return ExitCodes.Ok;
        }));
        return command;
    }
}
