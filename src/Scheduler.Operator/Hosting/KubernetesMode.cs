namespace Scheduler.Operator.Hosting;

/// <summary>How the operator reaches Kubernetes (<c>Scheduler:Kubernetes:Mode</c>).</summary>
public enum KubernetesMode
{
    /// <summary>The service account of the pod the control plane runs in (the chart's setting).</summary>
    InCluster,

    /// <summary>A kubeconfig file: <c>Scheduler:Kubernetes:Kubeconfig</c>, else <c>KUBECONFIG</c>, else <c>~/.kube/config</c>.</summary>
    Kubeconfig,

    /// <summary>The embedded simulated cluster (fake API server + simulated kubelet), started in process.</summary>
    Simulated,

    /// <summary>No operator: the control plane only stores jobs (API tests, a replica that must not schedule).</summary>
    Disabled,
}
