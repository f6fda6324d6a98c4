using System.CommandLine;
using Scheduler.Cli.Client;
using Scheduler.Cli.Output;

namespace Scheduler.Cli.Commands;

/// <summary><c>nodes</c>: GPU nodes with their type, used and free GPUs and state (sinfo).</summary>
internal static class NodesCommand
{
    /// <summary>One node; also the --json shape.</summary>
    internal sealed record NodeEntry(string Name, string GpuType, int Gpus, double UsedGpus, double FreeGpus, bool Ready, bool Schedulable)
    {
        public string State => !Ready ? "not-ready" : !Schedulable ? "cordoned" : UsedGpus <= 0 ? "idle" : FreeGpus <= 0 ? "full" : "mixed";

        public static NodeEntry From(NodeView node)
        {
            var used = node.Gpus.Sum(g => g.AllocatedMilli) / 1000.0;
            return new(node.Name, node.GpuType, node.Gpus.Count, used, node.Gpus.Count - used, node.Ready, node.Schedulable);
        }
    }

    public static readonly Columns<NodeEntry> Table = new(
    [
        ("name", n => n.Name),
        ("gputype", n => n.GpuType),
        ("gpus", n => n.Gpus.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("used", n => Terminal.Number(n.UsedGpus)),
        ("free", n => Terminal.Number(n.FreeGpus)),
        ("state", n => n.State),
    ], ["name", "gputype", "gpus", "used", "free", "state"]);

    public static Command Create(CommandKit kit)
    {
        var columns = CommandKit.ColumnsOption(Table.Names);
        var json = CommandKit.JsonOption();
        var command = kit.Create("nodes", "GPU nodes: GPU type, used and free GPUs, state (sinfo).", "  gpusched nodes\n  gpusched nodes -o name,free --json");
        command.Options.Add(columns);
        command.Options.Add(json);
        command.SetAction((parsed, cancellationToken) => kit.WithClientAsync(parsed, async client =>
        {
            var nodes = (await client.GetClusterAsync(cancellationToken)).Nodes.Select(NodeEntry.From).OrderBy(n => n.Name, StringComparer.Ordinal).ToList();
            if (parsed.GetValue(json))
            {
                Terminal.WriteJson(kit.Context, nodes);
            }
            else
            {
                Terminal.Write(kit.Context, Table.Render(nodes, parsed.GetValue(columns)));
            }

            return ExitCodes.Ok;
        }));
        return command;
    }
}
