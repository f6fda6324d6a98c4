using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;
using Scheduler.Application.Identity;
using Scheduler.Domain.Jobs;
using Scheduler.Operator.Pods;
using Scheduler.Operator.Store;
using Scheduler.Operator.Tests.Cycle;

namespace Scheduler.Operator.Tests.Pods;

/// <summary>Each attempt's pods carry that attempt's own telemetry credential, and it speaks for that attempt only.</summary>
public sealed class PodTelemetryTokenTests
{
    /// <summary>A two-pod job in its given attempt.</summary>
    private static OperatorJob Attempt(int attempt) => CycleFixture.Job("train", JobState.Admitted, pods: 2) with { Attempt = attempt };

    [Fact]
    public void Every_pod_of_an_attempt_gets_a_token_for_that_job_and_attempt()
    {
        var tokens = new JobTokens(RandomNumberGenerator.GetBytes(32), TimeSpan.FromDays(1), new FakeTimeProvider(DateTimeOffset.UtcNow));
        var factory = new PodFactory(new WorkloadOptions(), tokens);
        var job = Attempt(3);

        var claims = job.Placement!.Select(placement => factory.Pod(job, placement))
            .Select(pod => pod.Spec.Containers[0].Env.Single(e => e.Name == "SCHEDULER_TELEMETRY_TOKEN").Value)
            .Select(token => tokens.Validate(token, out _))
            .ToList();

        Assert.Equal(2, claims.Count);
        Assert.All(claims, c => Assert.Equal((job.Id.Value, 3), (c!.JobId, c.Attempt)));
    }

    [Fact]
    public void Another_installations_secret_does_not_accept_the_token()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var ours = new JobTokens(RandomNumberGenerator.GetBytes(32), TimeSpan.FromDays(1), clock);
        var theirs = new JobTokens(RandomNumberGenerator.GetBytes(32), TimeSpan.FromDays(1), clock);
        var token = ours.Issue(Guid.NewGuid(), 1);

        Assert.Null(theirs.Validate(token, out var refusal));
        Assert.Contains("signature", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void A_token_past_its_lifetime_is_refused()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var tokens = new JobTokens(RandomNumberGenerator.GetBytes(32), TimeSpan.FromHours(1), clock);
        var token = tokens.Issue(Guid.NewGuid(), 1);

        clock.Advance(TimeSpan.FromHours(2));

        Assert.Null(tokens.Validate(token, out var refusal));
        Assert.Contains("expired", refusal, StringComparison.Ordinal);
    }
}
