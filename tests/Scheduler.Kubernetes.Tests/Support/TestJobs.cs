using k8s.Models;
using Scheduler.Domain.Specs;
using Scheduler.Kubernetes.Resources;
using Scheduler.Testing.Builders;

namespace Scheduler.Kubernetes.Tests.Support;

internal static class TestJobs
{
    public static TrainingJob Job(string name = "gpt2-small", Func<JobSpecBuilder, JobSpecBuilder>? change = null) =>
        TrainingJob.From((change ?? (b => b))(JobSpecBuilder.AJob(name)).Build(), "default");

    public static V1Pod Pod(string name, string? node = null, IDictionary<string, string>? annotations = null, int rank = 0, int gpus = 0) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", Annotations = annotations, Labels = new Dictionary<string, string> { ["app"] = "trainer" } },
        Spec = new V1PodSpec
        {
            NodeName = node,
            SchedulerName = "gpu-scheduler",
            Containers =
            [
                new V1Container
                {
                    Name = "trainer",
                    Image = "gpu-scheduler/trainer",
                    Resources = gpus == 0 ? null : new V1ResourceRequirements { Limits = new Dictionary<string, ResourceQuantity> { ["nvidia.com/gpu"] = new(gpus.ToString(System.Globalization.CultureInfo.InvariantCulture)) } },
                    Env = [new V1EnvVar { Name = "RANK", Value = rank.ToString(System.Globalization.CultureInfo.InvariantCulture) }, new V1EnvVar { Name = "SCHEDULER_JOB_ID", Value = "job-1" }],
                },
            ],
        },
    };

    public static async Task<T> Eventually<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60)); // generous: CI runs every test project at once on 2 cores
        while (true)
        {
            var value = await probe();
            if (done(value) || DateTime.UtcNow > deadline)
            {
                return value;
            }

            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }
}
