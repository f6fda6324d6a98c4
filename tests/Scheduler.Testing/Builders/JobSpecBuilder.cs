using Scheduler.Domain.Specs;

namespace Scheduler.Testing.Builders;

/// <summary>Fluent builder for job specs in tests: a small valid GPT-2-like job unless told otherwise.</summary>
public sealed class JobSpecBuilder
{
    private JobSpec _spec = new()
    {
        Name = "gpt2-small",
        Queue = "research",
        Model = new ModelSpec { Layers = 12, HiddenSize = 768, Heads = 12, VocabSize = 50257, SeqLength = 1024, TiedEmbeddings = true },
        Training = new TrainingSpec { Tokens = 1e9, GlobalBatchSize = 8, MicroBatchSize = 1 },
        Resources = new ResourceSpec { GpuType = "A100-80GB", Gpus = 1 },
    };

    public static JobSpecBuilder AJob(string name = "gpt2-small") => new JobSpecBuilder().Named(name);

    public JobSpecBuilder Named(string name) => With(s => s with { Name = name });

    public JobSpecBuilder InQueue(string queue) => With(s => s with { Queue = queue });

    public JobSpecBuilder Priority(string priorityClass) => With(s => s with { PriorityClass = priorityClass });

    /// <summary>Submitted held (<c>hold: true</c>).</summary>
    public JobSpecBuilder Held() => With(s => s with { Hold = true });

    /// <summary>A time limit as an ISO-8601 duration (<c>PT2H</c>).</summary>
    public JobSpecBuilder MaxRuntime(string duration) => With(s => s with { MaxRuntime = duration });

    public JobSpecBuilder NotBefore(DateTimeOffset at) => With(s => s with { NotBefore = at });

    public JobSpecBuilder Model(Func<ModelSpec, ModelSpec> change) => With(s => s with { Model = change(s.Model!) });

    public JobSpecBuilder Training(Func<TrainingSpec, TrainingSpec> change) => With(s => s with { Training = change(s.Training!) });

    public JobSpecBuilder Parallelism(Func<ParallelismSpec, ParallelismSpec> change) =>
        With(s => s with { Parallelism = change(s.Parallelism ?? new ParallelismSpec()) });

    public JobSpecBuilder Gpus(int gpus, string gpuType = "A100-80GB", int? gpusPerNode = null) =>
        With(s => s with { Resources = s.Resources! with { Gpus = gpus, GpuType = gpuType, GpusPerNode = gpusPerNode } });

    public JobSpecBuilder GpuFraction(int milli) => With(s => s with { Resources = s.Resources! with { Gpus = 1, GpuMilli = milli } });

    /// <summary>An array of <paramref name="count"/> tasks, at most <paramref name="parallelism"/> at once.</summary>
    public JobSpecBuilder Array(int count, int? parallelism = null) => With(s => s with { Array = new ArraySpec { Count = count, Parallelism = parallelism } });

    /// <summary>Adds a dependency on <paramref name="job"/> (an id or a name).</summary>
    public JobSpecBuilder After(DependencyType type, string job) =>
        With(s => s with { Dependencies = [.. s.Dependencies ?? [], new DependencySpec { Type = type, Job = job }] });

    public JobSpecBuilder Singleton() => With(s => s with { Singleton = true });

    public JobSpecBuilder Notify(string url, params NotificationEvent[] events) =>
        With(s => s with { Notify = [.. s.Notify ?? [], new NotifySpec { Url = url, Events = events }] });

    public JobSpecBuilder With(Func<JobSpec, JobSpec> change)
    {
        _spec = change(_spec);
        return this;
    }

    public JobSpec Build() => _spec;

    public string ToJson() => JobSpecJson.Serialize(_spec);
}
