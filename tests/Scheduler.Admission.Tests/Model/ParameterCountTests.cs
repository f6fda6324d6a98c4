using Scheduler.Admission.Model;
using Scheduler.Admission.Tests.Support;
using Scheduler.Domain.Specs;
using Scheduler.Testing.Builders;

namespace Scheduler.Admission.Tests.Model;

public sealed class ParameterCountTests
{
    // Hand-computed: embeddings V·h (+ s·h learned positions, + V·h untied head), per block 2h² + 2·h·kvHidden
    // (attention) + 2·h·f or 3·h·f (MLP) + 2h (norms), final norm h. The LLaMA and Mixtral figures equal the checkpoints'.
    public static TheoryData<string, Func<ModelSpec, ModelSpec>, double, double> Models => new()
    {
        { "gpt2-124m (learned positions, tied)", m => m, 124_337_664, 124_337_664 },
        { "llama2-7b (swiglu, untied)", Jobs.Llama7B, 6_738_415_616, 6_738_415_616 },
        {
            "llama2-70b (grouped-query attention, kv 8)",
            m => Jobs.Llama7B(m) with { Layers = 80, HiddenSize = 8192, Heads = 64, KvHeads = 8, FfnHiddenSize = 28672 },
            68_976_648_192, 68_976_648_192
        },
        {
            "mixtral-8x7b (8 experts, 2 active)",
            m => Jobs.Llama7B(m) with { KvHeads = 8, FfnHiddenSize = 14336, Moe = new MoeSpec { Experts = 8, ActiveExperts = 2 } },
            46_702_792_704, 12_879_925_248
        },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void Counts_parameters_from_the_dimensions(string name, Func<ModelSpec, ModelSpec> model, double total, double active)
    {
        var estimate = Jobs.Estimate(JobSpecBuilder.AJob().Model(model));

        Assert.True(estimate.Parameters == total, $"{name}: {estimate.Parameters:N0} parameters, expected {total:N0}");
        Assert.Equal(active, estimate.ActiveParameters);
        Assert.Equal(total, estimate.TrainableParameters);
    }

    [Fact]
    public void Learned_positions_add_seq_length_times_hidden_and_untying_adds_the_head()
    {
        var shape = ModelShape.From(JobSpecNormalizer.Normalize(JobSpecBuilder.AJob().Build()).Model!);
        var gpt2 = ParameterCount.Of(shape, null, 0).Total;

        var rope = ParameterCount.Of(shape with { Position = PositionEmbedding.Rope }, null, 0).Total;
        var untied = ParameterCount.Of(shape with { TiedEmbeddings = false }, null, 0).Total;

        Assert.Equal(1024 * 768, gpt2 - rope);
        Assert.Equal(50257 * 768, untied - gpt2);
    }

    [Fact]
    public void Gelu_mlp_of_any_width_has_two_matrices_and_swiglu_three()
    {
        var shape = ModelShape.From(JobSpecNormalizer.Normalize(JobSpecBuilder.AJob().Build()).Model!);
        var narrow = ParameterCount.Of(shape with { FfnHidden = 1000 }, null, 0).PerLayer;
        var wide = ParameterCount.Of(shape with { FfnHidden = 3000 }, null, 0).PerLayer;
        var gated = ParameterCount.Of(shape with { FfnHidden = 3000, Mlp = MlpKind.SwiGlu }, null, 0).PerLayer;

        Assert.Equal(2 * 768 * 2000, wide - narrow);
        Assert.Equal(768 * 3000, gated - wide);
    }

    [Fact]
    public void Only_the_count_given_is_reported_as_is_and_the_shape_is_inferred()
    {
        var estimate = Jobs.Estimate(JobSpecBuilder.AJob().With(s => s with { Model = new ModelSpec { Parameters = 7e9, SeqLength = 4096 } }));

        Assert.Equal(7e9, estimate.Parameters);
        Assert.True(estimate.ShapeInferred);
        var shape = ModelShape.From(new ModelSpec { Parameters = 7e9 });
        Assert.InRange(shape.Hidden, 3840, 4608); // LLaMA-7B: 4096
        Assert.InRange(shape.Layers, 28, 36);     // LLaMA-7B: 32
    }

    [Fact]
    public void Lora_trains_rank_times_the_query_and_value_projections_only()
    {
        var estimate = Jobs.Estimate(JobSpecBuilder.AJob().Model(Jobs.Llama7B)
            .Training(t => t with { Finetune = new FinetuneSpec { Method = FinetuneMethod.Lora, LoraRank = 8 } }));

        // PEFT's figure for r = 8 on q_proj and v_proj of LLaMA-7B: 8 · 32 · ((4096 + 4096) + (4096 + 4096)).
        Assert.Equal(4_194_304, estimate.TrainableParameters);
        Assert.Equal(6_738_415_616, estimate.Parameters);
    }
}
