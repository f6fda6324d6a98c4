namespace Scheduler.Domain.Specs;

/// <summary>Optional: without an image the bundled trainer runs.</summary>
public sealed record ContainerSpec
{
    public string? Image { get; init; }

    public IReadOnlyList<string>? Command { get; init; }

    public IReadOnlyList<string>? Args { get; init; }

    public IReadOnlyDictionary<string, string>? Env { get; init; }

    /// <summary>CPU per pod as a Kubernetes quantity (<c>8</c>, <c>500m</c>).</summary>
    public string? Cpu { get; init; }

    /// <summary>Memory per pod as a Kubernetes quantity (<c>64Gi</c>).</summary>
    public string? Memory { get; init; }

    /// <summary>Size of /dev/shm as a Kubernetes quantity.</summary>
    public string? ShmSize { get; init; }

    public IReadOnlyList<VolumeSpec>? Volumes { get; init; }
}

/// <summary>A PersistentVolumeClaim mounted into every pod of the job.</summary>
public sealed record VolumeSpec
{
    public string? Name { get; init; }

    public string? ClaimName { get; init; }

    public string? MountPath { get; init; }

    public bool? ReadOnly { get; init; }
}
