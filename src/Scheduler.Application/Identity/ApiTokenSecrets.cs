using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Scheduler.Application.Identity;

/// <summary>
/// API tokens: 256 bits from <see cref="RandomNumberGenerator"/>, base64url, behind a prefix that says what they are (so
/// secret scanners and the authentication scheme can tell them apart). The store keeps SHA-256 of the token: for a secret
/// of this entropy a fast unsalted hash is the standard (nothing to brute-force), and it lets a lookup use an index.
/// </summary>
public static class ApiTokenSecrets
{
    public const string Prefix = "gst_";

    public static string Generate() => Prefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public static bool LooksLikeToken(string token) => token.StartsWith(Prefix, StringComparison.Ordinal) && token.Length <= 128;

    public static byte[] Hash(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return SHA256.HashData(Encoding.UTF8.GetBytes(token));
    }
}
