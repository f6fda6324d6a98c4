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

    /// <summary>Tasks in one array job (one submission).</summary>
    public const int MaxArrayTasks = 10_000;

    /// <summary>Entries in <c>dependencies</c>.</summary>
    public const int MaxDependencies = 32;

    /// <summary>Webhooks in <c>notify</c>.</summary>
    public const int MaxNotify = 8;

    /// <summary>Characters of a webhook URL.</summary>
    public const int MaxNotifyUrlLength = 2048;

    /// <summary>Per pod; larger than any node built today, so only typos and overflow attempts are refused.</summary>
    public const double MaxPodCpuCores = 4_096;

    /// <summary>Per pod (64 TiB), as for <see cref="MaxPodCpuCores"/>.</summary>
    public const double MaxPodMemoryBytes = 64.0 * 1024 * 1024 * 1024 * 1024;

    // What a pod carries. Kubernetes refuses a pod whose annotations pass 256 KiB in total, and the spec travels in one:
    // these bounds keep every accepted spec far enough below that, and MaxSpecBytes checks the annotation itself.

    /// <summary>Entries in <c>container.command</c>.</summary>
    public const int MaxCommandItems = 64;

    /// <summary>Entries in <c>container.args</c>.</summary>
    public const int MaxArgsItems = 256;

    /// <summary>Characters in one command or args entry.</summary>
    public const int MaxArgLength = 8_192;

    /// <summary>Entries in <c>container.env</c>.</summary>
    public const int MaxEnvVars = 128;

    /// <summary>Characters in an environment variable's name.</summary>
    public const int MaxEnvNameLength = 256;

    /// <summary>Characters in an environment variable's value.</summary>
    public const int MaxEnvValueLength = 16_384;

    /// <summary>Characters of command, args and env (names and values) together.</summary>
    public const int MaxContainerTextLength = 65_536;

    /// <summary>Entries in <c>container.volumes</c>.</summary>
    public const int MaxVolumes = 32;

    /// <summary>Characters in a mount path or <c>training.dataPath</c>.</summary>
    public const int MaxPathLength = 1_024;

    /// <summary>A DNS-1123 subdomain (claim names), as Kubernetes bounds it.</summary>
    public const int MaxSubdomainLength = 253;

    /// <summary>The spec as the pod annotation carries it (UTF-8 JSON), half the 256 KiB Kubernetes allows all annotations.</summary>
    public const int MaxSpecBytes = 128 * 1024;
}
