using System.Collections.Concurrent;

namespace Scheduler.Application.Identity;

/// <summary>
/// Recently authenticated API tokens (by hash), for <see cref="Lifetime"/>: without it every request paid an indexed read
/// and its planning in PostgreSQL, which cut the submit benchmark to a third (docs/benchmarks/control-plane.md). This
/// process forgets everything at once on any revocation, membership or admin change it makes; another replica's change
/// reaches this one within <see cref="Lifetime"/> (docs/security.md).
/// </summary>
public sealed class TokenCache(TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public TokenAuthentication? Find(string hash)
    {
        var now = clock.GetUtcNow();
        return _entries.TryGetValue(hash, out var entry) && entry.Until > now ? entry.Authentication : null;
    }

    public void Remember(string hash, TokenAuthentication authentication, DateTimeOffset tokenExpiresAt)
    {
        var until = clock.GetUtcNow() + Lifetime;
        _entries[hash] = new Entry(authentication, until < tokenExpiresAt ? until : tokenExpiresAt);
    }

    public void Clear() => _entries.Clear();

    private sealed record Entry(TokenAuthentication Authentication, DateTimeOffset Until);
}
