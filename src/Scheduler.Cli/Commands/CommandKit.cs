using System.CommandLine;
using Scheduler.Cli.Client;
using Scheduler.Cli.Config;

namespace Scheduler.Cli.Commands;

/// <summary>What every remote command shares: the context, the global <c>--server</c> option and the common options.</summary>
internal sealed record CommandKit(CliContext Context, Option<string?> Server)
{
    public static Option<bool> JsonOption() => new("--json") { Description = "Print JSON (stable camelCase field names) instead of a table." };

    public static Option<string?> ColumnsOption(IEnumerable<string> names) => new("--output", "-o")
    {
        Description = $"Columns to show, comma-separated, in order: {string.Join(",", names)}.",
        HelpName = "columns",
    };

    /// <summary>Each command's examples, printed after its --help.</summary>
    public Dictionary<Command, string> Examples { get; } = [];

    public Command Create(string name, string description, string examples)
    {
        var command = new Command(name, description);
        Examples[command] = examples;
        return command;
    }

    public async Task<int> WithClientAsync(ParseResult parsed, Func<SchedulerClient, Task<int>> action)
    {
        var (client, _, _) = CliConfig.Connect(Context, parsed.GetValue(Server));
        using (client)
        {
            return await action(client);
        }
    }

    public static Guid JobId(string text) => Guid.TryParse(text, out var id)
        ? id
        : throw CliException.Usage($"'{text}' is not a job id (a UUID, as gpusched queue prints it)");
}
