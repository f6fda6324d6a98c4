namespace Scheduler.Domain.Specs;

public sealed record ResourceSpec
{
    /// <summary>A catalog GPU type, or alternatives separated by <c>|</c> in order of preference.</summary>
    public string? GpuType { get; init; }

    public int? Gpus { get; init; }

    /// <summary>GPUs in each pod (worker); defaults to min(gpus, 8).</summary>
    public int? GpusPerNode { get; init; }

    /// <summary>A fraction of one GPU in thousandths (1–999), only with <c>gpus: 1</c>.</summary>
    public int? GpuMilli { get; init; }

    /// <summary>When set, all of a multi-node job's nodes must share this node label's value (for example a rack or NVLink domain).</summary>
    public string? TopologyKey { get; init; }

    /// <summary>The GPUs the job occupies: <see cref="Gpus"/>, or its fraction of one GPU with <see cref="GpuMilli"/>.</summary>
    public double GpuShare() => GpuMilli is { } milli ? milli / 1000.0 : Gpus ?? 0;
}
