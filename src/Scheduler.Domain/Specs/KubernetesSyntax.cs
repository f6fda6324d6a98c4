using System.Text.RegularExpressions;

namespace Scheduler.Domain.Specs;

/// <summary>
/// The syntax rules the Kubernetes API server applies to what a job's pods carry (k8s.io/apimachinery validation), so a
/// spec is refused at submission instead of producing a pod the API server refuses.
/// </summary>
public static partial class KubernetesSyntax
{
    /// <summary>The prefix of the variables the scheduler sets in every job pod.</summary>
    public const string ReservedEnvPrefix = "SCHEDULER_";

    /// <summary>Variables the scheduler (and the launchers that read them) set for distributed training; a spec cannot override them.</summary>
    public static IReadOnlySet<string> ReservedEnvNames { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "WORLD_SIZE", "RANK", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "NODE_RANK", "GROUP_RANK", "MASTER_ADDR", "MASTER_PORT",
    };

    /// <summary>Volume names the pod factory uses for its own volumes.</summary>
    public static IReadOnlySet<string> ReservedVolumeNames { get; } = new HashSet<string>(StringComparer.Ordinal) { "spec", "checkpoints", "shm" };

    /// <summary>IsEnvVarName: letters, digits, '_', '-' and '.', not starting with a digit.</summary>
    public static bool IsEnvVarName(string? name) => name is { Length: > 0 and <= JobSpecLimits.MaxEnvNameLength } && EnvVarName().IsMatch(name);

    public static bool IsReservedEnvName(string name) =>
        name.StartsWith(ReservedEnvPrefix, StringComparison.Ordinal) || ReservedEnvNames.Contains(name);

    /// <summary>IsDNS1123Subdomain: at most 253 characters of dot-separated DNS labels.</summary>
    public static bool IsDnsSubdomain(string? name) => name is { Length: > 0 and <= JobSpecLimits.MaxSubdomainLength } && DnsSubdomain().IsMatch(name);

    /// <summary>IsQualifiedName (label and annotation keys): an optional DNS subdomain prefix and '/', then 1–63 characters.</summary>
    public static bool IsQualifiedName(string? key)
    {
        if (string.IsNullOrEmpty(key))
        {
            return false;
        }

        var slash = key.IndexOf('/', StringComparison.Ordinal);
        var name = slash < 0 ? key : key[(slash + 1)..];
        return (slash < 0 || IsDnsSubdomain(key[..slash])) && name.Length is > 0 and <= 63 && QualifiedNamePart().IsMatch(name);
    }

    public const string EnvVarNameRule = "must consist of letters, digits, '_', '-' or '.', must not start with a digit, and be at most 256 characters";
    public const string SubdomainRule = "must be a DNS-1123 subdomain: at most 253 lower-case letters, digits, '-' and '.', starting and ending with a letter or digit";
    public const string QualifiedNameRule = "must be a label key: an optional DNS subdomain prefix and '/', then at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit";

    [GeneratedRegex("^[-._a-zA-Z][-._a-zA-Z0-9]*\\z", RegexOptions.CultureInvariant)]
    private static partial Regex EnvVarName();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\z", RegexOptions.CultureInvariant)]
    private static partial Regex DnsSubdomain();

    [GeneratedRegex("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\\z", RegexOptions.CultureInvariant)]
    private static partial Regex QualifiedNamePart();
}
