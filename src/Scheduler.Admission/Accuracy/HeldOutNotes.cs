namespace Scheduler.Admission.Accuracy;

/// <summary>
/// Why the held-out runs that miss are off, from their sources, for the accuracy report. These explain errors; they never
/// change a prediction: the held-out set stays unseen by the MFU fit and by any per-case adjustment.
/// </summary>
internal static class HeldOutNotes
{
    public static IReadOnlyList<string> All { get; } =
    [
        "Llama 3.1 8B and 70B, Llama 3 8B and 70B: for 15T tokens at 8K context the model cards' H100-hours imply an MFU of about 17–19% (8B) and 29–32% (70B), while the same Llama 3.1 card's 405B figure implies about 37%, in line with the 38–43% the Llama 3 Herd paper measured for that run (Table 4), and open-source FSDP training of the 8B's exact shape on 8 to 128 H100s reaches 33–39% (pytorch/torchtitan docs/performance.md). The Llama 3.1 card counts cumulative training time (1.46M, 7.0M; the Llama 3 card gave 1.3M and 6.4M for pretraining alone), and Meta published no GPU count, batch or layout for the 8B and 70B runs. At the reference rule's 512 GPUs every priced overhead of the 8B is hidden; spread over a 16K-GPU cluster at 16M tokens per step with gradients reduced in fp32 (as the 405B was, Herd paper §3.3.2), its data-parallel all-reduce would no longer hide behind the backward pass, but that layout is not published, so it is not assumed. The terms left out are bounded and small: memory-bound element-wise work costs an 8B about 3% more on H100 than on A100, and the long-context stage's attention adds of the order of a tenth to the 8B's compute.",
        "BLOOM-176B: the estimator's step time corresponds to about 159 TFLOP/s per GPU (executed FLOPs, recomputation included), within 2% of the 156 TFLOP/s the run sustained (GENCI/IDRIS; BigScience reported about 150). Its 1,082,990 compute hours are 384 GPUs times the 3.5-month wall clock, so the missing ~15% is time the run did not spend in steady-state training (failures and restarts on a shared public machine, the batch-size ramp-up, evaluation, checkpoints), which a step-time model does not see.",
        "Llama 2 34B: the Llama 2 paper's Table 2 lists it at 350 W per GPU, the production cluster's power cap (§2.2.1), against 400 W for the 7B, 13B and 70B trained on the Research SuperCluster (the fitted rows); a power-capped A100 sustains lower clocks. The catalog has one A100-80GB, so the cap is not priced.",
        "Pythia 70M–410M: the default MFU's small-model term rests on llm.c's GPT-2 124M (about 0.63 MFU with fused kernels, including one kernel for the classifier's softmax and loss). GPT-NeoX's 2022 small models did not reach that: their GPU-hours imply about 0.24 (70M), 0.33 (160M) and 0.38 (410M). At hidden sizes of 512–1,024 the per-token non-matmul work (norms, activations, the 50K-vocabulary softmax) is a large share of the step and depends on how the framework fuses it, which a spec does not say; no framework-independent term fits both. Telemetry calibration per GPU type and size band is what corrects this for an installation.",
        "Pythia 1B–12B and LLaMA-13B: Pythia's implied MFU is flat (about 0.45 from 1B to 6.9B, 0.39 at 12B) where the default rises with size, and LLaMA-13B's is higher than LLaMA-7B's; the ±15–20% is run-to-run spread that one curve over size and GPU count does not capture.",
    ];
}
