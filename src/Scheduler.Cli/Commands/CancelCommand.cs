using System.CommandLine;
using Scheduler.Cli.Output;

namespace Scheduler.Cli.Commands;

/// <summary>
/// <c>cancel JOB</c>: DELETE /api/v1/jobs/{id} (idempotent; a job that already ended is refused, exit 1); <c>cancel ID --array</c>:
/// DELETE /api/v1/jobs/{id}/array, every task of the array that ID names (the array's id or a task's) that has not ended.
/// </summary>
internal static class CancelCommand
{
    public static Command Create(CommandKit kit)
    {
        var job = new Argument<string>("job") { Description = "The job id." };
        var json = CommandKit.JsonOption();
        var array = new Option<bool>("--array") { Description = "Cancel the whole array the id names (the array's id, or any of its tasks')." };
        var command = kit.Create("cancel", "Cancel a job or a whole array (scancel).",
            "  gpusched cancel 0193a2b4-5c6d-7e8f-9012-3456789abcde\n  gpusched cancel 0193a2b4-5c6d-7e8f-9012-3456789abcde --array");
        command.Arguments.Add(job);
        command.Options.Add(array);
        command.Options.Add(json);
        command.SetAction((parsed, cancellationToken) => kit.WithClientAsync(parsed, async client =>
        {
            if (parsed.GetValue(array))
            {
                var tasks = await client.CancelArrayAsync(CommandKit.JobId(parsed.GetValue(job)!), cancellationToken);
                if (parsed.GetValue(json))
                {
                    Terminal.WriteJson(kit.Context, tasks);
                }
                else
                {
                    kit.Context.Output.WriteLine($"{tasks.ArrayId} cancelled {tasks.Cancelled} of {tasks.Tasks} tasks");
                }

                return ExitCodes.Ok;
            }

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
