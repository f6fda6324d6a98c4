using System.Text.Json.Nodes;

namespace Scheduler.Simulation.ApiServer;

/// <summary>One line of a container's log and when it was written.</summary>
public sealed record PodLogLine(DateTimeOffset At, string Text);

/// <summary>
/// What the fake API server answers on <c>pods/{name}/log</c>: the lines a pod's container has written by <c>now</c>. Must be
/// deterministic and append-only in <c>now</c> (a later call starts with the lines of an earlier one), since a follow
/// resumes after the lines it already sent.
/// </summary>
public interface IPodLogSource
{
    IReadOnlyList<PodLogLine> Lines(JsonObject pod, DateTimeOffset now);
}
