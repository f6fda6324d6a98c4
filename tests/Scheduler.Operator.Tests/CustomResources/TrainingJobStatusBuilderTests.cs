using Scheduler.Admission;
using Scheduler.Application.Jobs;
using Scheduler.Domain.Catalog;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Specs;
using Scheduler.Kubernetes.Resources;
using Scheduler.Operator.CustomResources;
using Scheduler.Testing.Builders;

namespace Scheduler.Operator.Tests.CustomResources;

public sealed class TrainingJobStatusBuilderTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private static JobDetails AJob(JobState state, int attempt = 0) => new(
        Guid.CreateVersion7(T0), "j", "research", "normal", state, "r", attempt, 1, T0, T0, JobSpecBuilder.AJob("j").Build());

    /// <summary>Events one minute apart, with 0.4 s of sub-second noise the status must drop.</summary>
    private static List<JobEventDetails> Events(params (JobState To, string Reason)[] steps) =>
        [.. steps.Select((s, i) => new JobEventDetails(i + 1, i == 0 ? null : steps[i - 1].To, s.To, s.Reason, T0.AddMinutes(i).AddMilliseconds(400)))];

    [Theory]
    [InlineData("Queued/Submitted", "Admitted=False(Submitted)@0")]
    [InlineData("Queued/Submitted Admitted/Placed Running/PodsRunning", "Admitted=True(Placed)@1 Scheduled=True(Placed)@1 Running=True(PodsRunning)@2")]
    [InlineData("Queued/Submitted Admitted/Placed Running/PodsRunning Preempted/ReclaimedByCohort Queued/Requeued",
        "Admitted=False(Requeued)@3 Scheduled=False(ReclaimedByCohort)@3 Running=False(ReclaimedByCohort)@3 Preempted=False(Requeued)@4")]
    [InlineData("Queued/Submitted Admitted/Placed Running/PodsRunning Failed/ExitCode64",
        "Admitted=False(ExitCode64)@3 Scheduled=False(ExitCode64)@3 Running=False(ExitCode64)@3 Failed=True(ExitCode64)@3")]
    public void Conditions_replay_the_job_history_with_transition_times_to_the_second(string history, string expected)
    {
        var steps = history.Split(' ').Select(s => s.Split('/')).Select(p => (Enum.Parse<JobState>(p[0]), p[1])).ToArray();
        var events = Events(steps);

        var status = TrainingJobStatusBuilder.Build(new SyncOutcome(AJob(steps[^1].Item1), 1), events, null, T0.AddHours(1));

        var described = string.Join(' ', status.Conditions!.Select(c => $"{c.Type}={c.Status}({c.Reason})@{(c.LastTransitionTime - T0.UtcDateTime).TotalMinutes}"));
        Assert.Equal(expected, described);
        Assert.Equal(steps[^1].Item1, status.Phase);
    }

    [Fact]
    public void Start_and_completion_times_come_from_the_first_run_and_the_final_event()
    {
        var events = Events((JobState.Queued, "Submitted"), (JobState.Admitted, "Placed"), (JobState.Running, "PodsRunning"), (JobState.Succeeded, "Completed"));

        var status = TrainingJobStatusBuilder.Build(new SyncOutcome(AJob(JobState.Succeeded, attempt: 1), 3), events, null, T0.AddHours(1));

        Assert.Equal((T0.AddMinutes(2), T0.AddMinutes(3)), (status.StartTime, status.CompletionTime));
        Assert.Equal((1, 3L), (status.Attempt, status.ObservedGeneration));
    }

    [Fact]
    public void A_refused_spec_keeps_its_transition_time_while_it_stays_refused()
    {
        var problem = new SyncProblem(SyncProblemKind.InvalidSpec, "spec.resources.gpus: must be 1 or more");
        var first = TrainingJobStatusBuilder.Build(new SyncOutcome(null, 1, problem), [], null, T0);

        var again = TrainingJobStatusBuilder.Build(new SyncOutcome(null, 1, problem), [], first, T0.AddMinutes(5));

        var condition = Assert.Single(again.Conditions!);
        Assert.Equal((JobState.Failed, "InvalidSpec", T0.UtcDateTime), (again.Phase, condition.Reason, condition.LastTransitionTime));
        Assert.Null(again.JobId);
    }

    [Fact]
    public void A_queue_that_does_not_admit_the_namespace_reports_Admitted_false_with_reason_Forbidden_and_no_phase()
    {
        var problem = new SyncProblem(SyncProblemKind.Forbidden, "queue 'research' does not admit TrainingJobs of namespace 'team-b'");

        var status = TrainingJobStatusBuilder.Build(new SyncOutcome(null, null, problem), [], null, T0);

        var admitted = Assert.Single(status.Conditions!);
        Assert.Equal((TrainingJobConditions.Admitted, "False", QueueAccess.ForbiddenReason), (admitted.Type, admitted.Status, admitted.Reason));
        Assert.Equal(problem.Message, admitted.Message);
        Assert.Equal(problem.Message, status.PendingReason);
        Assert.Equal((null, null, (long?)null), (status.Phase, status.JobId, status.ObservedGeneration));
    }

    [Fact]
    public void A_spec_given_in_tokens_reports_the_estimate_s_step_count_as_total_steps()
    {
        var spec = JobSpecNormalizer.Normalize(JobSpecBuilder.AJob("j").Build());
        var estimate = new Estimator(GpuCatalog.Default).Estimate(spec);
        var job = AJob(JobState.Running, attempt: 1) with { Spec = spec, Estimate = estimate, Progress = 0.25 };

        var status = TrainingJobStatusBuilder.Build(new SyncOutcome(job, 1), Events((JobState.Queued, "Submitted")), null, T0);

        Assert.Null(spec.Training!.Steps);
        Assert.True(estimate.Steps > 0);
        Assert.Equal((estimate.Steps, 0.25), (status.Progress!.TotalSteps, status.Progress.Fraction));
    }

    [Theory]
    [InlineData(1.6907122507122507, 1.69)]
    [InlineData(0.0042317, 0.00423)]
    [InlineData(184_320.7, 184_000)]
    [InlineData(0, 0)]
    public void The_printer_column_shows_predicted_gpu_hours_to_three_significant_digits(double gpuHours, double shown)
    {
        var spec = JobSpecNormalizer.Normalize(JobSpecBuilder.AJob("j").Build());
        var estimate = new Estimator(GpuCatalog.Default).Estimate(spec) with { GpuHours = gpuHours };
        var job = AJob(JobState.Queued) with { Spec = spec, Estimate = estimate };

        var status = TrainingJobStatusBuilder.Build(new SyncOutcome(job, 1), Events((JobState.Queued, "Submitted")), null, T0);

        Assert.Equal(shown, status.PredictedGpuHours);
        Assert.Equal(gpuHours, status.Estimate!.Value.GetProperty("gpuHours").GetDouble());
    }

    [Fact]
    public void Same_inputs_give_the_same_status()
    {
        var events = Events((JobState.Queued, "Submitted"), (JobState.Admitted, "Placed"));
        var outcome = new SyncOutcome(AJob(JobState.Admitted, attempt: 1), 1);

        var first = TrainingJobStatusBuilder.Build(outcome, events, null, T0.AddHours(1));
        var second = TrainingJobStatusBuilder.Build(outcome, events, first, T0.AddHours(2));

        Assert.Equal(k8s.KubernetesJson.Serialize(first), k8s.KubernetesJson.Serialize(second));
    }
}
