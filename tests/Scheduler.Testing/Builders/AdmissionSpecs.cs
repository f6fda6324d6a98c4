using Scheduler.Domain.Specs;

namespace Scheduler.Testing.Builders;

/// <summary>Specs the admission tests need beyond the builder's small default job.</summary>
public static class AdmissionSpecs
{
    /// <summary>A LLaMA-7B shape with full AdamW fine-tuning on one A100-80GB: ~16 bytes per parameter of model state do not fit.</summary>
    public static JobSpecBuilder SevenBillionOnOneGpu(string name) =>
        JobSpecBuilder.AJob(name).Model(m => m with
        {
            Layers = 32,
            HiddenSize = 4096,
            Heads = 32,
            VocabSize = 32000,
            SeqLength = 4096,
            FfnHiddenSize = 11008,
            Mlp = MlpKind.SwiGlu,
            TiedEmbeddings = false,
        });
}
