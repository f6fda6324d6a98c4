using System.Globalization;

namespace Scheduler.Admission.Timing;

/// <summary>
/// What a placement's interconnect did to a job's estimate: the placement priced (<see cref="Racks"/> racks, <see cref="Nodes"/>
/// nodes, at least <see cref="GpusPerNode"/> GPUs on each), the step time of the spec's own packing in one rack
/// (<see cref="UnplacedStepSeconds"/>, what submission priced) and the change in percent, with a line for people
/// (<see cref="Note"/>: "priced for 2 racks, 4 nodes (≥ 8 GPUs each): +14.2% step time against one rack").
/// <see cref="RacksLabelled"/> is false when no node of the placement carried a rack label: then one rack is assumed.
/// </summary>
public sealed record InterconnectPricing(
    int GpusPerNode, int Nodes, int Racks, bool RacksLabelled, double UnplacedStepSeconds, double StepTimeChangePercent, string Note)
{
    /// <summary>Prices <paramref name="normalizedSpec"/> for <paramref name="placement"/>, keeping the MFU it was admitted with.</summary>
    /// <param name="admitted">The stored estimate (of the spec alone, or of an earlier placement of the job).</param>
    /// <param name="racksLabelled">False when the placement's nodes carry no rack label (<paramref name="placement"/> then has one rack).</param>
    /// <exception cref="ArgumentException">As for <see cref="Estimator.Estimate"/>.</exception>
    public static Estimate Reprice(Estimator estimator, Scheduler.Domain.Specs.JobSpec normalizedSpec, Estimate admitted, PlacementInterconnect placement, bool racksLabelled = true)
    {
        ArgumentNullException.ThrowIfNull(estimator);
        ArgumentNullException.ThrowIfNull(admitted);
        ArgumentNullException.ThrowIfNull(placement);
        // The MFU stays the one the job was admitted with, so the change is the interconnect's alone (a default MFU is a
        // function of the spec and is recomputed the same).
        var calibration = admitted.MfuSource == Calibration.MfuChoice.DefaultSource
            ? Calibration.MfuTable.Empty
            : new Calibration.MfuTable([new Calibration.CalibratedMfu(admitted.GpuType, admitted.SizeBand, admitted.Mfu, 0)]);
        var placed = estimator.Estimate(normalizedSpec, calibration, placement);
        var unplaced = admitted.Interconnect?.UnplacedStepSeconds ?? admitted.StepSeconds;
        var change = unplaced > 0 ? (placed.StepSeconds / unplaced - 1) * 100 : 0;
        return placed with
        {
            MfuSource = admitted.MfuSource,
            Interconnect = new InterconnectPricing(
                placement.GpusPerNode, placement.Nodes, placement.Racks, racksLabelled, unplaced, change, NoteOf(placement, racksLabelled, change)),
        };
    }

    private static string NoteOf(PlacementInterconnect placement, bool racksLabelled, double change)
    {
        var racks = racksLabelled
            ? placement.Racks == 1 ? "1 rack" : $"{placement.Racks} racks"
            : "1 rack (its nodes carry no rack label)";
        var nodes = placement.Nodes == 1 ? "1 node" : $"{placement.Nodes} nodes";
        var percent = change.ToString("+0.0;-0.0;+0.0", CultureInfo.InvariantCulture);
        return $"priced for {racks}, {nodes} (≥ {placement.GpusPerNode} GPUs each): {percent}% step time against the spec's packing in one rack";
    }
}
