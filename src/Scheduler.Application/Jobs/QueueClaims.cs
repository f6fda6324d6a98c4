using Scheduler.Application.Common;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Specs;

namespace Scheduler.Application.Jobs;

/// <summary>A job may mount only the PersistentVolumeClaims its queue allows (<see cref="JobPodPolicy.QueueClaims"/>), never anything else.</summary>
internal static class QueueClaims
{
    /// <summary>422 naming the first claim the queue does not allow; null when every claim is allowed.</summary>
    public static Failure? Check(JobPodPolicy policy, JobSpec spec)
    {
        var queue = spec.Queue!;
        var claims = (spec.Container?.Volumes ?? []).Select((v, i) => ($"container.volumes[{i}].claimName", v.ClaimName!));
        if (spec.Checkpoint?.Volume is { } checkpoint)
        {
            claims = claims.Append(("checkpoint.volume", checkpoint));
        }

        foreach (var (field, claim) in claims)
        {
            if (!policy.AllowsClaim(queue, claim))
            {
                var allowed = policy.ClaimsOf(queue);
                return Failure.Unprocessable(field, $"names claim '{claim}', which queue '{queue}' does not allow; "
                    + (allowed.Count == 0 ? "it allows none" : $"it allows {string.Join(", ", allowed)}") + $" ({JobPodPolicy.Section}:QueueClaims)");
            }
        }

        return null;
    }
}
