using Microsoft.Extensions.Options;
using Scheduler.Api.Apis;
using Scheduler.Operator.Hosting;

namespace Scheduler.Api.Tests.Apis;

/// <summary>
/// <c>follow=true</c> log streams are bounded per user and per process: 40 follows from one client were all served
/// (each holding a connection here and one to the Kubernetes API for up to 30 minutes).
/// </summary>
public sealed class LogFollowsTests
{
    private static LogFollows Follows(int perUser, int total) =>
        new(Options.Create(new LogOptions { MaxFollowsPerUser = perUser, MaxFollows = total }));

    [Fact]
    public void A_user_past_the_per_user_bound_is_refused_naming_the_setting_while_others_still_follow()
    {
        var follows = Follows(perUser: 2, total: 100);

        using var first = follows.TryOpen("alice", out _);
        using var second = follows.TryOpen("alice", out _);
        var third = follows.TryOpen("alice", out var refusal);
        using var bob = follows.TryOpen("bob", out _);

        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Null(third);
        Assert.Contains("MaxFollowsPerUser", refusal, StringComparison.Ordinal);
        Assert.NotNull(bob);
    }

    [Fact]
    public void The_process_bound_holds_across_users()
    {
        var follows = Follows(perUser: 5, total: 2);

        using var alice = follows.TryOpen("alice", out _);
        using var bob = follows.TryOpen("bob", out _);
        var carol = follows.TryOpen("carol", out var refusal);

        Assert.Null(carol);
        Assert.Contains("MaxFollows)", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void A_closed_follow_frees_its_slot_once_and_leaves_no_entry_behind()
    {
        var follows = Follows(perUser: 1, total: 1);

        var first = follows.TryOpen("alice", out _)!;
        first.Dispose();
        first.Dispose();
        using var again = follows.TryOpen("alice", out _);
        var beyond = follows.TryOpen("alice", out _);

        Assert.NotNull(again);
        Assert.Null(beyond);
        Assert.Equal(1, follows.OpenFor("alice"));
        again!.Dispose();
        Assert.Equal(0, follows.Users);
    }
}
