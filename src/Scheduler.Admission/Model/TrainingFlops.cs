using Scheduler.Domain.Specs;

namespace Scheduler.Admission.Model;

/// <summary>
/// Training FLOPs per token. Forward: 2 FLOPs per multiplying parameter (Kaplan et al. 2020; Hoffmann et al. 2022) plus
/// the attention scores and their weighting, 4·h·s per layer (Narayanan et al. 2021). Backward: twice the forward, so a
/// full step is 6·N + 12·L·h·s. Embedding lookups multiply nothing, so N counts the output projection once and not the
/// input embedding. Frozen weights (LoRA, QLoRA) skip their weight gradients: 2·N_frozen less. Full recomputation runs
/// the forward once more; selective recomputation reruns only the attention core (Korthikanti et al. 2022).
/// </summary>
internal static class TrainingFlops
{
    public static double PerToken(ModelShape shape, ParameterCount parameters, TrainingSetup setup)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(setup);
        var matmul = parameters.MatmulActive(shape.Layers);
        var adapters = setup.IsLowRank ? parameters.LoraAdapters : 0;
        var attentionForward = AttentionForward(shape);
        var forward = (2 * (matmul + adapters)) + attentionForward;
        var frozenWeightGradients = setup.IsLowRank ? 2 * matmul : 0;
        var backward = (2 * forward) - frozenWeightGradients;
        var recompute = setup.Recompute switch
        {
            ActivationCheckpointing.Full => forward,
            ActivationCheckpointing.Selective => attentionForward,
            _ => 0,
        };
        return forward + backward + recompute;
    }

    /// <summary>QKᵀ and the weighting of V: 2·2·s·h FLOPs per token and layer.</summary>
    public static double AttentionForward(ModelShape shape) => 4.0 * shape.Layers * shape.Hidden * (double)shape.SeqLength;
}
