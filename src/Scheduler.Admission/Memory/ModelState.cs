namespace Scheduler.Admission.Memory;

/// <summary>Model-state bytes on one GPU, plus ZeRO-3's gathered-weights buffer.</summary>
internal sealed record ModelState(double Weights, double Gradients, double Optimizer, double GatherBuffer);
