using System.Security.Cryptography;
using System.Text;

namespace Scheduler.Application.Notifications;

/// <summary><c>X-Scheduler-Signature: sha256=&lt;hex of HMAC-SHA256(secret, body)&gt;</c>, as GitHub signs its webhooks.</summary>
public static class NotificationSignature
{
    public const string Header = "X-Scheduler-Signature";

    public static string Sign(string secret, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));
    }

    /// <summary>Whether <paramref name="signature"/> signs <paramref name="body"/>, compared in constant time.</summary>
    public static bool IsValid(string secret, ReadOnlySpan<byte> body, string? signature) =>
        signature is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Sign(secret, body)), Encoding.ASCII.GetBytes(signature));
}
