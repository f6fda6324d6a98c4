namespace Scheduler.Domain.Catalog;

/// <summary>The GPU types the cluster knows. Shipped defaults; operators add or override types in configuration.</summary>
public sealed class GpuCatalog
{
    private readonly Dictionary<string, GpuType> _types;

    public GpuCatalog(IEnumerable<GpuType> types)
    {
        ArgumentNullException.ThrowIfNull(types);
        _types = new Dictionary<string, GpuType>(StringComparer.Ordinal);
        foreach (var type in types)
        {
            _types[type.Name] = type;
        }
    }

    public static GpuCatalog Default { get; } = new(DefaultGpuTypes.All);

    public IReadOnlyCollection<GpuType> Types => _types.Values;

    public IEnumerable<string> Names => _types.Keys.Order(StringComparer.Ordinal);

    public bool Contains(string name) => _types.ContainsKey(name);

    public GpuType? Find(string name) => _types.GetValueOrDefault(name);

    public GpuType Get(string name) =>
        _types.TryGetValue(name, out var type) ? type : throw new KeyNotFoundException($"GPU type '{name}' is not in the catalog.");

    /// <summary>A copy with <paramref name="overrides"/> added or replacing types of the same name.</summary>
    public GpuCatalog With(IEnumerable<GpuType> overrides) => new(_types.Values.Concat(overrides));

    /// <summary>The catalog type whose product labels include <paramref name="productLabel"/> (node label <c>nvidia.com/gpu.product</c>).</summary>
    public GpuType? FindByProductLabel(string productLabel) =>
        _types.Values.FirstOrDefault(t => t.Name == productLabel || t.ProductLabels.Contains(productLabel, StringComparer.OrdinalIgnoreCase));

    /// <summary>Splits <c>A100-80GB|H100-SXM</c> into its alternatives, in order of preference.</summary>
    public static IReadOnlyList<string> SplitAlternatives(string gpuType) =>
        gpuType.Split('|', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
}
