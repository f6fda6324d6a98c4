using System.Text.Json.Serialization;

namespace Scheduler.Admission.Calibration;

/// <summary>Model sizes that reach similar MFU on the same GPU type (small models are launch- and memory-bound).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ModelSizeBand>))]
public enum ModelSizeBand
{
    [JsonStringEnumMemberName("<1B")] Under1B,
    [JsonStringEnumMemberName("1B-10B")] From1BTo10B,
    [JsonStringEnumMemberName("10B-100B")] From10BTo100B,
    [JsonStringEnumMemberName(">=100B")] From100B,
}

public static class ModelSizeBands
{
    /// <summary>The band of a model with <paramref name="parameters"/> parameters in total.</summary>
    public static ModelSizeBand Of(double parameters) => parameters switch
    {
        < 1e9 => ModelSizeBand.Under1B,
        < 1e10 => ModelSizeBand.From1BTo10B,
        < 1e11 => ModelSizeBand.From10BTo100B,
        _ => ModelSizeBand.From100B,
    };
}
