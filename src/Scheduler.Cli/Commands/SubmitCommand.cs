using System.CommandLine;
using Scheduler.Cli.Client;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Specs;

namespace Scheduler.Cli.Commands;

/// <summary>
/// <c>submit job.yaml</c>: POST /api/v1/jobs, prints the id (an array's id with <c>--array</c>); <c>--wait</c> follows the job to
/// its end; <c>--array</c> and <c>--dependency</c> take sbatch's syntax (<see cref="SlurmOptions"/>).
/// </summary>
internal static class SubmitCommand
{
    public static Command Create(CommandKit kit)
    {
        var file = new Argument<FileInfo>("spec") { Description = "The job spec, YAML or JSON (the REST body's shape, or a TrainingJob manifest)." };
        var queue = new Option<string?>("--queue", "-q") { Description = "Submit to this queue (replaces the spec's queue)." };
        var name = new Option<string?>("--name") { Description = "Name the job (replaces the spec's name)." };
        var priority = new Option<string?>("--priority") { Description = "Priority class (replaces the spec's priorityClass)." };
        var gpus = new Option<int?>("--gpus") { Description = "GPUs (replaces resources.gpus; the data-parallel degree follows)." };
        var array = SlurmOptions.ArrayOption();
        var dependency = SlurmOptions.DependencyOption();
        var hold = new Option<bool>("--hold") { Description = "Submit held: the job waits until released (sbatch --hold)." };
        var time = new Option<string?>("--time", "-t") { Description = "Time limit: an ISO-8601 duration (PT12H) or 90m, 12h, 2d (sbatch --time)." };
        var wait = new Option<bool>("--wait") { Description = "Follow the job's states until it ends; exit 0 Succeeded, 5 Failed, 6 Cancelled." };
        var interval = new Option<double>("--interval") { Description = "Seconds between polls with --wait.", DefaultValueFactory = _ => 2 };
        var json = CommandKit.JsonOption();
        var command = kit.Create("submit", "Submit a job; prints its id (sbatch).",
            "  gpusched submit job.yaml\n  gpusched submit job.yaml -q research --priority high --gpus 16\n  gpusched submit job.json --wait\n"
            + "  gpusched submit sweep.yaml --array=0-99%8\n  gpusched submit eval.yaml --dependency=afterok:<id>\n  gpusched submit job.yaml --hold --time 12h");
        command.Arguments.Add(file);
        foreach (var option in new Option[] { queue, name, priority, gpus, array, dependency, hold, time, wait, interval, json })
        {
            command.Options.Add(option);
        }

        command.SetAction((parsed, cancellationToken) => kit.WithClientAsync(parsed, async client =>
        {
            var (spec, error) = SpecFiles.Read(parsed.GetValue(file)!);
            if (spec is null)
            {
                throw new CliException(ExitCodes.InvalidSpec, $"the spec is invalid:\n  {error!.Field}: {error.Message}");
            }

            spec = Override(spec, parsed.GetValue(queue), parsed.GetValue(name), parsed.GetValue(priority), parsed.GetValue(gpus));
            spec = WithJobControl(spec, parsed.GetValue(array), parsed.GetValue(dependency));
            spec = spec with
            {
                Hold = parsed.GetValue(hold) ? true : spec.Hold,
                MaxRuntime = parsed.GetValue(time) is { } limit ? SlurmOptions.TimeLimit(limit) : spec.MaxRuntime,
            };
            if (spec.Array is not null && parsed.GetValue(wait))
            {
                throw CliException.Usage("--wait follows one job; an array's tasks are listed with GET /api/v1/jobs?array=<id>");
            }

            var job = await client.SubmitAsync(JobSpecJson.Serialize(spec), cancellationToken);
            var asJson = parsed.GetValue(json);
            if (!asJson)
            {
                // An array answers its task 0; the array's id is what cancel --array and the listing take.
                kit.Context.Output.WriteLine(job.ArrayId ?? job.Id);
            }

            if (!parsed.GetValue(wait))
            {
                if (asJson)
                {
                    Output.Terminal.WriteJson(kit.Context, job);
                }

                return ExitCodes.Ok;
            }

            var seconds = parsed.GetValue(interval);
            if (seconds is <= 0 or > 3600)
            {
                throw CliException.Usage("--interval must be between 0 and 3600 seconds");
            }

            job = await FollowAsync(kit.Context, client, job, TimeSpan.FromSeconds(seconds), cancellationToken);
            if (asJson)
            {
                Output.Terminal.WriteJson(kit.Context, job);
            }

            return Outcome(job.State);
        }));
        return command;
    }

    /// <summary>Polls until the job ends, writing each new state (and why) on stderr so that stdout stays the id.</summary>
    public static async Task<JobView> FollowAsync(CliContext context, SchedulerClient client, JobView job, TimeSpan interval, CancellationToken cancellationToken)
    {
        var seen = (JobState?)null;
        while (true)
        {
            if (job.State != seen)
            {
                context.Error.WriteLine($"{Output.Terminal.Time(context.Clock.GetUtcNow())} {job.State}: {job.PendingReason ?? job.Reason}");
                seen = job.State;
            }

            if (JobStateMachine.IsFinal(job.State))
            {
                return job;
            }

            await Task.Delay(interval, context.Clock, cancellationToken);
            job = await client.GetJobAsync(job.Id, cancellationToken);
        }
    }

    public static int Outcome(JobState state) => state switch
    {
        JobState.Succeeded => ExitCodes.Ok,
        JobState.Cancelled => ExitCodes.JobCancelled,
        _ => ExitCodes.JobFailed,
    };

    /// <summary><c>--array</c> replaces the spec's array; <c>--dependency</c> adds to its dependencies (and may make it a singleton).</summary>
    private static JobSpec WithJobControl(JobSpec spec, ArraySpec? array, DependencyOptions? dependency)
    {
        spec = array is null ? spec : spec with { Array = array };
        return dependency is null ? spec : spec with
        {
            Dependencies = dependency.Dependencies.Count == 0 ? spec.Dependencies : [.. spec.Dependencies ?? [], .. dependency.Dependencies],
            Singleton = dependency.Singleton ? true : spec.Singleton,
        };
    }

    private static JobSpec Override(JobSpec spec, string? queue, string? name, string? priority, int? gpus)
    {
        spec = spec with { Queue = queue ?? spec.Queue, Name = name ?? spec.Name, PriorityClass = priority ?? spec.PriorityClass };
        if (gpus is not { } count)
        {
            return spec;
        }

        spec = spec with { Resources = (spec.Resources ?? new ResourceSpec()) with { Gpus = count } };
        // Keep data × tensor × pipeline = gpus where it divides; otherwise the server names the field that does not add up.
        if (spec.Parallelism is { } p && (p.Tensor ?? 1) * (p.Pipeline ?? 1) is var model && model > 0 && count % model == 0)
        {
            spec = spec with { Parallelism = p with { Data = count / model } };
        }

        return spec;
    }
}
