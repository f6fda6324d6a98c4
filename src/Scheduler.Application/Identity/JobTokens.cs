using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;

namespace Scheduler.Application.Identity;

/// <summary>The job attempt a job token speaks for.</summary>
public sealed record JobTokenClaims(Guid JobId, int Attempt, DateTimeOffset ExpiresAt);

/// <summary>
/// Each attempt's own credential (<c>SCHEDULER_TELEMETRY_TOKEN</c>): <c>gsj_{job}.{attempt}.{expiry}.{mac}</c>, the MAC
/// being HMAC-SHA256 (System.Security.Cryptography) over the first three parts with the installation's secret. It proves
/// the control plane issued it for that attempt of that job and nothing else; nothing is stored. The secret is
/// <c>Scheduler:Auth:JobTokenSecret</c> (base64, at least 32 bytes; the chart's Secret), else a file under
/// <c>Scheduler:DataDir</c> made on first use (<c>make run</c>), else random per process (tokens die with it).
/// </summary>
public sealed class JobTokens
{
    public const string Prefix = "gsj_";
    public const string SecretSetting = "Scheduler:Auth:JobTokenSecret";
    public const string LifetimeSetting = "Scheduler:Auth:JobTokenLifetime";
    public const string SecretFile = "job-token-secret";
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromDays(30);

    private readonly byte[] _secret;
    private readonly TimeSpan _lifetime;
    private readonly TimeProvider _clock;

    public JobTokens(byte[] secret, TimeSpan lifetime, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (secret.Length < 32)
        {
            throw new ArgumentException("The job token secret must be at least 32 bytes.", nameof(secret));
        }

        _secret = secret;
        _lifetime = lifetime;
        _clock = clock;
    }

    public static JobTokens FromConfiguration(IConfiguration configuration, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var lifetime = configuration.GetValue<TimeSpan?>(LifetimeSetting) ?? DefaultLifetime;
        return new JobTokens(LoadSecret(configuration), lifetime, clock);
    }

    public static bool LooksLikeToken(string token) => token.StartsWith(Prefix, StringComparison.Ordinal) && token.Length <= 256;

    public string Issue(Guid jobId, int attempt)
    {
        var expires = _clock.GetUtcNow() + _lifetime;
        var body = $"{jobId:N}.{attempt.ToString(CultureInfo.InvariantCulture)}.{expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}";
        return Prefix + body + "." + Base64Url.EncodeToString(Mac(body));
    }

    /// <summary>The attempt the token speaks for, or null with why not (malformed, badly signed, expired).</summary>
    public JobTokenClaims? Validate(string token, out string? refusal)
    {
        ArgumentNullException.ThrowIfNull(token);
        refusal = "malformed job token";
        if (!LooksLikeToken(token))
        {
            return null;
        }

        var lastDot = token.LastIndexOf('.');
        if (lastDot < Prefix.Length)
        {
            return null;
        }

        var body = token[Prefix.Length..lastDot];
        var parts = body.Split('.');
        if (parts.Length != 3
            || !Guid.TryParseExact(parts[0], "N", out var jobId)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var attempt)
            || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var expiresAt)
            || !Base64Url.IsValid(token.AsSpan(lastDot + 1)))
        {
            return null;
        }

        if (!CryptographicOperations.FixedTimeEquals(Mac(body), Base64Url.DecodeFromChars(token.AsSpan(lastDot + 1))))
        {
            refusal = "the job token's signature does not match";
            return null;
        }

        var expires = DateTimeOffset.FromUnixTimeSeconds(expiresAt);
        if (expires <= _clock.GetUtcNow())
        {
            refusal = "the job token expired";
            return null;
        }

        refusal = null;
        return new JobTokenClaims(jobId, attempt, expires);
    }

    private byte[] Mac(string body) => HMACSHA256.HashData(_secret, Encoding.ASCII.GetBytes(body));

    private static byte[] LoadSecret(IConfiguration configuration)
    {
        if (configuration[SecretSetting] is { Length: > 0 } configured)
        {
            return Convert.FromBase64String(configured);
        }

        if (configuration["Scheduler:DataDir"] is { Length: > 0 } dataDir)
        {
            var path = Path.Combine(dataDir, SecretFile);
            if (!File.Exists(path))
            {
                Directory.CreateDirectory(dataDir);
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows())
                {
                    options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                }

                try
                {
                    using var file = new StreamWriter(path, Encoding.ASCII, options);
                    file.Write(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
                }
                catch (IOException) when (File.Exists(path))
                {
                    // Another process of the same installation wrote it first.
                }
            }

            return Convert.FromBase64String(File.ReadAllText(path).Trim());
        }

        return RandomNumberGenerator.GetBytes(32);
    }
}
