namespace Scheduler.Domain.Specs;

/// <summary>Bounds that catch absurd sizes (1e30 tokens) long before they reach arithmetic.</summary>
public static class JobSpecLimits
{
    public const int MaxLayers = 1_000;
    public const int MaxHiddenSize = 262_144;
    public const int MaxHeads = 4_096;
    public const int MaxFfnHiddenSize = 1_048_576;
    public const int MaxVocabSize = 10_000_000;
    public const int MaxSeqLength = 10_000_000;
    public const double MaxParameters = 1e14;
    public const int MaxExperts = 4_096;
    public const double MaxTokens = 1e15;
    public const long MaxSteps = 1_000_000_000;
    public const int MaxGlobalBatchSize = 100_000_000;
    public const int MaxGpus = 100_000;
    public const int MaxGpusPerNode = 16;
    public const int MaxLoraRank = 65_536;
    public const int MaxNameLength = 63;

    /// <summary>Per pod; larger than any node built today, so only typos and overflow attempts are refused.</summary>
    public const double MaxPodCpuCores = 4_096;

    /// <summary>Per pod (64 TiB), as for <see cref="MaxPodCpuCores"/>.</summary>
    public const double MaxPodMemoryBytes = 64.0 * 1024 * 1024 * 1024 * 1024;
}
