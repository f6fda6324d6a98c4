namespace Scheduler.Simulation.Cluster.Processes;

/// <summary>
/// The simulated cluster's second runtime (<c>make run SIM_RUNTIME=process</c>): pods whose image is <see cref="TrainerImage"/>
/// run as real local processes of the built bundled trainer on the CPU, instead of the kubelet's fast simulated trainer.
/// </summary>
public sealed record ProcessRuntimeOptions
{
    /// <summary>The bundled trainer's image reference (the control plane's <c>Scheduler:Kubernetes:TrainerImage</c>); other images stay simulated.</summary>
    public required string TrainerImage { get; init; }

    /// <summary>The built trainer: <c>Scheduler.Trainer.dll</c> (run with the dotnet host) or a self-contained executable.</summary>
    public required string TrainerPath { get; init; }

    /// <summary>Where pods' files live: <c>pods/&lt;ns&gt;/&lt;pod&gt;/</c> (spec, emptyDirs) and <c>checkpoints/&lt;ns&gt;/…</c>, which outlives every pod.</summary>
    public required string DataRoot { get; init; }

    /// <summary>The trainer's <c>--device</c>; CPU, since a simulated node's GPUs are not real.</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>Lines of stdout/stderr kept per pod (the newest; older ones are dropped).</summary>
    public int MaxLogLines { get; init; } = 5000;

    /// <summary>Pods whose logs are kept after the pod is gone (the oldest are dropped first).</summary>
    public int MaxLoggedPods { get; init; } = 256;
}
