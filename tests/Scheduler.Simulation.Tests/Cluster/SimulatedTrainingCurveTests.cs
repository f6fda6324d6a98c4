using System.Text.Json.Nodes;
using Scheduler.Domain.Specs;
using Scheduler.Domain.Workloads;
using Scheduler.Simulation.Cluster;
using Scheduler.Testing.Builders;

namespace Scheduler.Simulation.Tests.Cluster;

public sealed class SimulatedTrainingCurveTests
{
    private const long Steps = 1000;
    private const int GlobalBatch = 8;
    private const int SeqLength = 1024;
    private const int Vocab = 50257;
    private static readonly TimeSpan Runtime = TimeSpan.FromHours(1);
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Throughput_is_the_predicted_one_within_its_noise_and_steps_follow_the_spec()
    {
        var curve = new SimulatedTrainingCurve();
        var predicted = (double)Steps * GlobalBatch * SeqLength / Runtime.TotalSeconds;
        var samples = Enumerable.Range(0, 101).Select(i => curve.Sample(Pod("job-1", "pod-a"), i / 100.0, Runtime, Now, checkpointNow: false)).ToList();

        Assert.All(samples, s => Assert.Equal(Steps, s.TotalSteps));
        Assert.All(samples, s => Assert.InRange(s.Body.TokensPerSecond!.Value, predicted / (1 + SimulatedTrainingCurve.ThroughputNoise), predicted / (1 - SimulatedTrainingCurve.ThroughputNoise)));
        Assert.All(samples, s => Assert.Equal(s.Body.Step * GlobalBatch * SeqLength, s.Body.Tokens));
        // Not a constant: the noise of a real run.
        Assert.True(samples.Select(s => s.Body.TokensPerSecond).Distinct().Count() > 50);
        Assert.Equal(Steps, samples[^1].Body.Step);
        // Steps left × the step time is the runtime left: the ETA the job page derives ends with the pod.
        var half = samples[50].Body;
        Assert.InRange((Steps - half.Step!.Value) * half.StepSeconds!.Value, Runtime.TotalSeconds * 0.5 * 0.96, Runtime.TotalSeconds * 0.5 * 1.04);
    }

    [Fact]
    public void Loss_falls_from_the_log_of_the_vocabulary()
    {
        var curve = new SimulatedTrainingCurve();
        var losses = Enumerable.Range(0, 11).Select(i => curve.Sample(Pod("job-1", "pod-a"), i / 10.0, Runtime, Now, checkpointNow: false).Body.Loss!.Value).ToList();

        Assert.InRange(losses[0], Math.Log(Vocab) * 0.99, Math.Log(Vocab) * 1.01);
        for (var i = 1; i < losses.Count; i++)
        {
            Assert.True(losses[i] < losses[i - 1], $"loss rose at {i}0%: {losses[i - 1]} → {losses[i]}");
        }

        Assert.True(losses[^1] > Math.Log(Vocab) / 3 * 0.98, "the loss stays above its floor");
    }

    [Fact]
    public void A_resumed_pod_continues_from_the_step_its_predecessor_checkpointed()
    {
        var curve = new SimulatedTrainingCurve();
        var preempted = curve.Sample(Pod("job-1", "attempt-1"), 0.37, Runtime, Now, checkpointNow: true).Body;
        var resumed = curve.Sample(Pod("job-1", "attempt-2"), 0, Runtime, Now, checkpointNow: false).Body;
        var otherJob = curve.Sample(Pod("job-2", "other"), 0, Runtime, Now, checkpointNow: false).Body;

        Assert.Equal(preempted.Step, preempted.LastCheckpointStep);
        Assert.Equal(preempted.Step, resumed.Step);
        Assert.Equal(0, otherJob.Step);
        Assert.Equal(Steps, curve.Sample(Pod("job-1", "attempt-2"), 1, Runtime, Now, checkpointNow: false).Body.Step);
    }

    private static JsonObject Pod(string jobId, string name)
    {
        var spec = JobSpecBuilder.AJob("gpt")
            .Model(m => m with { VocabSize = Vocab, SeqLength = SeqLength })
            .Training(t => t with { Tokens = null, Steps = Steps, GlobalBatchSize = GlobalBatch, MicroBatchSize = 1 })
            .Build();
        return new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["uid"] = name + "-uid",
                ["annotations"] = new JsonObject { [SimulatedTrainingCurve.SpecAnnotation] = JobSpecJson.Serialize(JobSpecNormalizer.Normalize(spec)) },
            },
            ["spec"] = new JsonObject
            {
                ["containers"] = new JsonArray(new JsonObject
                {
                    ["name"] = "trainer",
                    ["env"] = new JsonArray(new JsonObject { ["name"] = TrainerEnvironment.JobId, ["value"] = jobId }),
                }),
            },
        };
    }
}
