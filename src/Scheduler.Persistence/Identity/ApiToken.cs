namespace Scheduler.Persistence.Identity;

/// <summary>
/// An API token of a user. Only the SHA-256 of the token is stored (<see cref="Hash"/>): the token itself is 256 random
/// bits, shown once when created, so the hash of such a token cannot be reversed or guessed (docs/security.md).
/// </summary>
public sealed class ApiToken
{
    public const int MaxLabelLength = 128;
    public const string HashIndexName = "ix_api_tokens_hash";

    public ApiToken(Guid id, string user, string label, byte[] hash, DateTimeOffset createdAt, DateTimeOffset expiresAt)
    {
        Id = id;
        User = user;
        Label = label;
        Hash = hash;
        CreatedAt = createdAt;
        ExpiresAt = expiresAt;
    }

    public Guid Id { get; private set; }

    public string User { get; private set; }

    /// <summary>What the token is for, as its owner named it.</summary>
    public string Label { get; private set; }

    public byte[] Hash { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset ExpiresAt { get; private set; }

    /// <summary>When the token last authenticated a request, to the minute (updated at most once a minute).</summary>
    public DateTimeOffset? LastUsedAt { get; private set; }

    public DateTimeOffset? RevokedAt { get; private set; }

    public void Revoke(DateTimeOffset at) => RevokedAt ??= at;
}
