using System.CommandLine;
using System.Text.Json.Nodes;
using Scheduler.Cli.Client;
using Scheduler.Cli.Output;

namespace Scheduler.Cli.Commands;

/// <summary>
/// <c>hold</c>, <c>release</c>, <c>requeue</c> (POST /api/v1/jobs/{id}/…) and <c>update</c> (PATCH /api/v1/jobs/{id}): Slurm's
/// <c>scontrol hold|release|requeue|update</c>. Each prints the job's id, state and pending reason, or the job as JSON.
/// </summary>
internal static class JobControlCommands
{
    public static Command Hold(CommandKit kit) => Control(kit, "hold",
        "Hold a queued job, or every queued task of an array with --array: it keeps its place but is not started until released (scontrol hold).", arrays: true);

    public static Command Release(CommandKit kit) => Control(kit, "release", "Release a held job, or every held task of an array with --array (scontrol release).", arrays: true);

    public static Command Requeue(CommandKit kit) => Control(kit, "requeue",
        "Stop a running job as preemption does (SIGTERM, grace period, checkpoint) and queue it again (scontrol requeue).");

    public static Command Update(CommandKit kit)
    {
        var job = new Argument<string>("job") { Description = "The job id." };
        var priority = new Option<string?>("--priority-class") { Description = "A configured priority class (queued jobs only)." };
        var maxRuntime = new Option<string?>("--max-runtime", "--time") { Description = "Time limit as an ISO-8601 duration, e.g. PT12H (sbatch --time)." };
        var queue = new Option<string?>("--queue") { Description = "Move a queued job to another queue." };
        var json = CommandKit.JsonOption();
        var command = kit.Create("update", "Change a job's priority class, time limit or queue (scontrol update).",
            "  gpusched update 0193a2b4-5c6d-7e8f-9012-3456789abcde --max-runtime PT6H\n  gpusched update 0193a2b4-5c6d-7e8f-9012-3456789abcde --priority-class high");
        command.Arguments.Add(job);
        command.Options.Add(priority);
        command.Options.Add(maxRuntime);
        command.Options.Add(queue);
        command.Options.Add(json);
        command.SetAction((parsed, cancellationToken) => kit.WithClientAsync(parsed, async client =>
        {
            var changes = new JsonObject();
            Add(changes, "priorityClass", parsed.GetValue(priority));
            Add(changes, "maxRuntime", parsed.GetValue(maxRuntime));
            Add(changes, "queue", parsed.GetValue(queue));
            if (changes.Count == 0)
            {
                throw new CliException(ExitCodes.Usage, "update: name at least one of --priority-class, --max-runtime, --queue");
            }

            var updated = await client.UpdateJobAsync(CommandKit.JobId(parsed.GetValue(job)!), changes.ToJsonString(), cancellationToken);
            Print(kit, updated, parsed.GetValue(json));
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Control(CommandKit kit, string control, string description, bool arrays = false)
    {
        var job = new Argument<string>("job") { Description = "The job id." };
        var json = CommandKit.JsonOption();
        var array = new Option<bool>("--array") { Description = $"{control} the whole array the id names (the array's id, or any of its tasks')." };
        var command = kit.Create(control, description, arrays
            ? $"  gpusched {control} 0193a2b4-5c6d-7e8f-9012-3456789abcde\n  gpusched {control} 0193a2b4-5c6d-7e8f-9012-3456789abcde --array"
            : $"  gpusched {control} 0193a2b4-5c6d-7e8f-9012-3456789abcde");
        command.Arguments.Add(job);
        if (arrays)
        {
            command.Options.Add(array);
        }

        command.Options.Add(json);
        command.SetAction((parsed, cancellationToken) => kit.WithClientAsync(parsed, async client =>
        {
            if (arrays && parsed.GetValue(array))
            {
                var tasks = await client.ControlArrayAsync(CommandKit.JobId(parsed.GetValue(job)!), control, cancellationToken);
                if (parsed.GetValue(json))
                {
                    Terminal.WriteJson(kit.Context, tasks);
                }
                else
                {
                    kit.Context.Output.WriteLine($"{tasks.ArrayId} {(control == "hold" ? "held" : "released")} {tasks.Changed} of {tasks.Tasks} tasks");
                }

                return ExitCodes.Ok;
            }

            var changed = await client.ControlJobAsync(CommandKit.JobId(parsed.GetValue(job)!), control, cancellationToken);
            Print(kit, changed, parsed.GetValue(json));
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static void Add(JsonObject changes, string name, string? value)
    {
        if (value is not null)
        {
            changes[name] = value;
        }
    }

    private static void Print(CommandKit kit, JobView job, bool json)
    {
        if (json)
        {
            Terminal.WriteJson(kit.Context, job);
        }
        else
        {
            kit.Context.Output.WriteLine(job.PendingReason is { } pending ? $"{job.Id} {job.State} {pending}" : $"{job.Id} {job.State}");
        }
    }
}
