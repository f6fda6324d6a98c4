using System.Globalization;
using Scheduler.Application.Scheduling;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Specs;
using Scheduler.Operator.Inventory;
using Scheduler.Operator.Store;

namespace Scheduler.Operator.Cycle;

/// <summary>
/// Step 2a of the cycle, before the snapshot: which queued jobs the pure core may see at all. A job waits outside it while a
/// dependency is not met (and is cancelled with <see cref="DependencyVerdict.NeverSatisfiedReason"/> once it never can be),
/// while another job of its name and owner holds GPUs (<c>singleton</c>), and while it is an array task beyond its array's window:
/// at most <c>array.parallelism</c> tasks hold GPUs, and of the tasks queued only as many as the free GPUs could take (at
/// least one, so that the array's next task still reserves and preempts) are offered, lowest index first. So an array of
/// 10,000 tasks costs the core what it can place, not 10,000 jobs. Pure: the cycle reads the store and applies the outcome.
/// A task is a job like any other here: a held task (whole-array hold included) is simply not queued-eligible.
/// </summary>
public static class JobGate
{
    private const int WholeGpu = 1000;

    /// <summary>The ids the queued jobs' dependencies name, for <see cref="IOperatorStore.DependencyTargetsAsync"/>.</summary>
    public static IReadOnlyCollection<Guid> DependencyIds(IReadOnlyList<OperatorJob> jobs)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        return jobs.Where(j => j.State == JobState.Queued)
            .SelectMany(j => j.Spec.Dependencies ?? [])
            .Select(d => Guid.TryParse(d.Job, out var id) ? id : Guid.Empty)
            .Where(id => id != Guid.Empty)
            .ToHashSet();
    }

    /// <summary>GPU capacity (milli-GPUs) of ready, schedulable nodes not promised to placed jobs: an upper bound on what any task could take now.</summary>
    public static long FreeGpuMilli(IReadOnlyList<NodeCapacity> nodes, IReadOnlyList<OperatorJob> jobs)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(jobs);
        var total = nodes.Where(n => n.Ready && !n.Unschedulable).Sum(n => (long)n.Gpus * WholeGpu);
        var held = jobs.Where(j => JobStateMachine.HoldsResources(j.State) && j.Placement is not null)
            .SelectMany(j => j.Placement!).Sum(p => (long)p.GpuIndices.Count * p.GpuMilli);
        return Math.Max(0, total - held);
    }

    public static JobGateOutcome Apply(
        IReadOnlyList<OperatorJob> jobs, IReadOnlyDictionary<Guid, IReadOnlyList<DependencyTarget>> targets, long freeGpuMilli)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        ArgumentNullException.ThrowIfNull(targets);
        var held = new HashSet<JobId>();
        var pending = new List<GatedJob>();
        var cancel = new List<GatedJob>();
        var eligible = new List<OperatorJob>();
        foreach (var job in jobs.Where(j => j.State == JobState.Queued))
        {
            switch (Dependencies(job, targets))
            {
                case (DependencyStatus.NeverSatisfied, var reason):
                    held.Add(job.Id);
                    cancel.Add(new GatedJob(job, reason));
                    break;
                case (DependencyStatus.Waiting, var reason):
                    held.Add(job.Id);
                    pending.Add(new GatedJob(job, reason));
                    break;
                default:
                    eligible.Add(job);
                    break;
            }
        }

        eligible = Singletons(jobs, eligible, held, pending);
        ArrayWindows(jobs, eligible, freeGpuMilli, held, pending);
        return new JobGateOutcome(held, pending, cancel);
    }

    private static (DependencyStatus Status, string Reason) Dependencies(OperatorJob job, IReadOnlyDictionary<Guid, IReadOnlyList<DependencyTarget>> targets)
    {
        (DependencyStatus, string)? waiting = null;
        foreach (var dependency in job.Spec.Dependencies ?? [])
        {
            var id = Guid.TryParse(dependency.Job, out var parsed) ? parsed : Guid.Empty;
            var of = targets.GetValueOrDefault(id) ?? [];
            var type = dependency.Type ?? DependencyType.AfterOk;
            var word = DependencyVerdict.Word(type);
            switch (DependencyVerdict.Of(type, of.Select(t => t.State).ToList()))
            {
                case DependencyStatus.NeverSatisfied:
                    return (DependencyStatus.NeverSatisfied, of.Count == 0
                        ? $"{DependencyVerdict.NeverSatisfiedReason}: {word} names job {id}, which no longer exists"
                        : $"{DependencyVerdict.NeverSatisfiedReason}: {word} on {Describe(id, of)}, which ended {Outcome(of)}");
                case DependencyStatus.Waiting:
                    waiting ??= (DependencyStatus.Waiting, $"waits for {Describe(id, of)} to {Goal(type)} ({word}; {Progress(of)})");
                    break;
            }
        }

        return waiting ?? (DependencyStatus.Satisfied, string.Empty);
    }

    /// <summary>Of the eligible singletons of one name and owner, the oldest goes on only while none of them holds GPUs.</summary>
    private static List<OperatorJob> Singletons(IReadOnlyList<OperatorJob> jobs, List<OperatorJob> eligible, HashSet<JobId> held, List<GatedJob> pending)
    {
        if (!eligible.Any(j => j.Spec.Singleton == true))
        {
            return eligible;
        }

        var holders = jobs.Where(j => j.Spec.Singleton == true && JobStateMachine.HoldsResources(j.State))
            .GroupBy(SingletonKey).ToDictionary(g => g.Key, g => g.First());
        var first = new Dictionary<(string, string), OperatorJob>();
        var kept = new List<OperatorJob>(eligible.Count);
        foreach (var job in eligible.OrderBy(j => j.QueuedAt).ThenBy(j => j.Id.Value))
        {
            if (job.Spec.Singleton != true)
            {
                kept.Add(job);
                continue;
            }

            var key = SingletonKey(job);
            var blocker = holders.GetValueOrDefault(key) ?? first.GetValueOrDefault(key);
            if (blocker is null)
            {
                first[key] = job;
                kept.Add(job);
                continue;
            }

            held.Add(job.Id);
            pending.Add(new GatedJob(job, $"singleton: waits for job '{blocker.Name}' ({blocker.Id}) of the same name and owner, which is {blocker.State}, to end"));
        }

        return kept;
    }

    /// <summary>The owner a singleton counts by: the submitting user, or a TrainingJob's namespace.</summary>
    private static (string Name, string Owner) SingletonKey(OperatorJob job) => (job.Name, job.SubmittedBy ?? "namespace:" + job.Namespace);

    private static void ArrayWindows(IReadOnlyList<OperatorJob> jobs, List<OperatorJob> eligible, long freeGpuMilli, HashSet<JobId> held, List<GatedJob> pending)
    {
        var arrays = eligible.Where(j => j.ArrayId is not null).GroupBy(j => j.ArrayId!.Value).ToList();
        if (arrays.Count == 0)
        {
            return;
        }

        var holding = jobs.Where(j => j.ArrayId is not null && JobStateMachine.HoldsResources(j.State))
            .GroupBy(j => j.ArrayId!.Value).ToDictionary(g => g.Key, g => g.Count());
        foreach (var tasks in arrays)
        {
            var spec = tasks.First().Spec;
            var parallelism = spec.Array?.Parallelism ?? int.MaxValue;
            var free = Math.Max(0, parallelism - holding.GetValueOrDefault(tasks.Key));
            var demand = Math.Max(1, spec.Resources?.GpuMilli ?? (long)(spec.Resources?.Gpus ?? 1) * WholeGpu);
            var window = (int)Math.Min(free, Math.Max(1, freeGpuMilli / demand));
            var reason = string.Create(CultureInfo.InvariantCulture,
                $"waits for its turn in array {tasks.Key}: at most {parallelism} of its tasks hold GPUs at once, and each cycle considers only as many as the free GPUs could take");
            foreach (var task in tasks.OrderBy(t => t.ArrayIndex).Skip(window))
            {
                held.Add(task.Id);
                pending.Add(new GatedJob(task, reason));
            }
        }
    }

    private static string Describe(Guid id, IReadOnlyList<DependencyTarget> of) =>
        of.Count == 1 && of[0].Id == id ? $"job '{of[0].Name}' ({id})" : $"array {id}";

    private static string Goal(DependencyType type) => type switch
    {
        DependencyType.AfterOk => "succeed",
        DependencyType.AfterNotOk => "fail",
        _ => "end",
    };

    private static string Progress(IReadOnlyList<DependencyTarget> of) =>
        of.Count == 1 ? $"it is {of[0].State}" : $"{of.Count(t => JobStateMachine.IsFinal(t.State))} of {of.Count} tasks ended";

    private static string Outcome(IReadOnlyList<DependencyTarget> of) =>
        of.Count == 1 ? of[0].State.ToString() : string.Join(", ", of.GroupBy(t => t.State).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key}"));
}

/// <summary>A queued job kept from the core, and why.</summary>
public sealed record GatedJob(OperatorJob Job, string Reason);

/// <summary>
/// What <see cref="JobGate"/> decided: the queued jobs kept from the core (<see cref="Held"/>), the reasons they wait, and the
/// jobs whose dependencies can never be met (to be cancelled).
/// </summary>
public sealed record JobGateOutcome(IReadOnlySet<JobId> Held, IReadOnlyList<GatedJob> Pending, IReadOnlyList<GatedJob> Cancel)
{
    /// <summary>The jobs the snapshot is built from: all but the held ones.</summary>
    public IReadOnlyList<OperatorJob> Offered(IReadOnlyList<OperatorJob> jobs) =>
        Held.Count == 0 ? jobs : jobs.Where(j => !Held.Contains(j.Id)).ToList();
}
