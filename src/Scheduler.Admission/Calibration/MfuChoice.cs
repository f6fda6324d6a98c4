namespace Scheduler.Admission.Calibration;

/// <summary>The MFU an estimate uses and where it came from: <c>default</c> or <c>calibrated (n=…)</c>.</summary>
public sealed record MfuChoice(double Value, string Source)
{
    public const string DefaultSource = "default";

    public static string CalibratedSource(int samples) => $"calibrated (n={samples})";
}
