using k8s.Models;

namespace Scheduler.Operator.Tests.Pods;

/// <summary>
/// The Kubernetes Pod Security Standards' <c>restricted</c> profile (kubernetes.io/docs/concepts/security/pod-security-standards,
/// policy version latest): every baseline control and every restricted one, checked on a pod as the admission
/// controller would. Returns what the pod breaks, one line per control.
/// </summary>
internal static class RestrictedProfile
{
    private static readonly HashSet<string> BaselineCapabilities =
    [
        "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
    ];

    private static readonly HashSet<string> SafeSysctls =
    [
        "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
        "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes",
    ];

    private static readonly HashSet<string> SeLinuxTypes = ["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"];

    public static IReadOnlyList<string> Violations(V1Pod pod)
    {
        var spec = pod.Spec;
        var pod_ = spec.SecurityContext;
        var containers = (spec.Containers ?? []).Select(c => (c.Name, c.SecurityContext, c.Ports))
            .Concat((spec.InitContainers ?? []).Select(c => (c.Name, c.SecurityContext, c.Ports)))
            .Concat((spec.EphemeralContainers ?? []).Select(c => (c.Name, c.SecurityContext, c.Ports)))
            .ToList();
        var found = new List<string>();
        void Check(bool ok, string control)
        {
            if (!ok)
            {
                found.Add(control);
            }
        }

        // Baseline.
        Check(pod_?.WindowsOptions?.HostProcess != true && containers.All(c => c.SecurityContext?.WindowsOptions?.HostProcess != true), "HostProcess");
        Check(spec.HostNetwork != true && spec.HostPID != true && spec.HostIPC != true, "Host Namespaces");
        Check(containers.All(c => c.SecurityContext?.Privileged != true), "Privileged Containers");
        Check(containers.All(c => (c.SecurityContext?.Capabilities?.Add ?? []).All(BaselineCapabilities.Contains)), "Capabilities (baseline)");
        Check((spec.Volumes ?? []).All(v => v.HostPath is null), "HostPath Volumes");
        Check(containers.All(c => (c.Ports ?? []).All(p => p.HostPort is null or 0)), "Host Ports");
        Check(AppArmorAllowed(pod_?.AppArmorProfile) && containers.All(c => AppArmorAllowed(c.SecurityContext?.AppArmorProfile)), "AppArmor");
        Check(SeLinuxAllowed(pod_?.SeLinuxOptions) && containers.All(c => SeLinuxAllowed(c.SecurityContext?.SeLinuxOptions)), "SELinux");
        Check(containers.All(c => c.SecurityContext?.ProcMount is null or "Default"), "/proc Mount Type");
        Check(pod_?.SeccompProfile?.Type != "Unconfined" && containers.All(c => c.SecurityContext?.SeccompProfile?.Type != "Unconfined"), "Seccomp (baseline)");
        Check((pod_?.Sysctls ?? []).All(s => SafeSysctls.Contains(s.Name)), "Sysctls");

        // Restricted.
        Check((spec.Volumes ?? []).All(v => v.ConfigMap is not null || v.Csi is not null || v.DownwardAPI is not null || v.EmptyDir is not null
            || v.Ephemeral is not null || v.PersistentVolumeClaim is not null || v.Projected is not null || v.Secret is not null), "Volume Types");
        Check(containers.All(c => c.SecurityContext?.AllowPrivilegeEscalation == false), "Privilege Escalation");
        Check(containers.All(c => c.SecurityContext?.RunAsNonRoot != false)
            && (pod_?.RunAsNonRoot == true || containers.All(c => c.SecurityContext?.RunAsNonRoot == true)), "Running as Non-root");
        Check(pod_?.RunAsUser != 0 && containers.All(c => c.SecurityContext?.RunAsUser != 0), "Running as Non-root user");
        Check(SeccompRestricted(pod_?.SeccompProfile)
            ? containers.All(c => c.SecurityContext?.SeccompProfile is null || SeccompRestricted(c.SecurityContext.SeccompProfile))
            : containers.All(c => SeccompRestricted(c.SecurityContext?.SeccompProfile)), "Seccomp (restricted)");
        Check(containers.All(c => c.SecurityContext?.Capabilities?.Drop?.Contains("ALL") == true
            && (c.SecurityContext.Capabilities.Add ?? []).All(a => a == "NET_BIND_SERVICE")), "Capabilities (restricted)");
        return found;
    }

    private static bool AppArmorAllowed(V1AppArmorProfile? profile) => profile is null || profile.Type is "RuntimeDefault" or "Localhost";

    private static bool SeLinuxAllowed(V1SELinuxOptions? options) =>
        options is null || (SeLinuxTypes.Contains(options.Type ?? string.Empty) && options.User is null && options.Role is null);

    private static bool SeccompRestricted(V1SeccompProfile? profile) => profile?.Type is "RuntimeDefault" or "Localhost";
}
