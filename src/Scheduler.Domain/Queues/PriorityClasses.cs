namespace Scheduler.Domain.Queues;

/// <summary>Named priority classes and their values (higher runs first and may preempt lower within a queue).</summary>
public sealed class PriorityClasses
{
    private readonly Dictionary<string, int> _values;

    public PriorityClasses(IReadOnlyDictionary<string, int> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        _values = new Dictionary<string, int>(values, StringComparer.Ordinal);
    }

    public static PriorityClasses Default { get; } = new(new Dictionary<string, int>
    {
        ["low"] = 100,
        ["normal"] = 1000,
        ["high"] = 10000,
        ["critical"] = 100000,
    });

    public const string DefaultClass = "normal";

    public IEnumerable<string> Names => _values.OrderBy(p => p.Value).Select(p => p.Key);

    public bool Contains(string name) => _values.ContainsKey(name);

    public int ValueOf(string name) =>
        _values.TryGetValue(name, out var value) ? value : throw new KeyNotFoundException($"Priority class '{name}' is not configured.");
}
