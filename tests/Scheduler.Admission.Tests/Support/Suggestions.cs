using Scheduler.Domain.Specs;

namespace Scheduler.Admission.Tests.Support;

internal static class Suggestions
{
    /// <summary>Applies a suggestion's JSON-path changes to a spec, as a user would edit it.</summary>
    public static JobSpec Apply(JobSpec spec, IReadOnlyDictionary<string, string> changes)
    {
        foreach (var (key, value) in changes)
        {
            int? Int() => value == "null" ? null : int.Parse(value);
            var parallelism = spec.Parallelism ?? new ParallelismSpec();
            spec = key switch
            {
                "parallelism.zeroStage" => spec with { Parallelism = parallelism with { ZeroStage = Int() } },
                "parallelism.data" => spec with { Parallelism = parallelism with { Data = Int() } },
                "parallelism.tensor" => spec with { Parallelism = parallelism with { Tensor = Int() } },
                "parallelism.pipeline" => spec with { Parallelism = parallelism with { Pipeline = Int() } },
                "training.microBatchSize" => spec with { Training = spec.Training! with { MicroBatchSize = Int() } },
                "training.globalBatchSize" => spec with { Training = spec.Training! with { GlobalBatchSize = Int() } },
                "training.activationCheckpointing" => spec with
                {
                    Training = spec.Training! with { ActivationCheckpointing = Enum.Parse<ActivationCheckpointing>(value, ignoreCase: true) },
                },
                "resources.gpus" => spec with { Resources = spec.Resources! with { Gpus = Int() } },
                "resources.gpusPerNode" => spec with { Resources = spec.Resources! with { GpusPerNode = Int() } },
                "resources.gpuType" => spec with { Resources = spec.Resources! with { GpuType = value } },
                "resources.gpuMilli" => spec with { Resources = spec.Resources! with { GpuMilli = Int() } },
                _ => throw new InvalidOperationException($"unknown change {key}"),
            };
        }

        return spec;
    }
}
