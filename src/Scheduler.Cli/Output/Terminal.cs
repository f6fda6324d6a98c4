using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Scheduler.Cli.Output;

/// <summary>
/// Writes tables and JSON to the command's stdout: ANSI colour only on a terminal without <c>NO_COLOR</c>, a fixed width
/// otherwise so that piped output (and the golden files) never change with the window.
/// </summary>
internal static class Terminal
{
    public static IAnsiConsole Console(CliContext context)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(context.Output),
            Ansi = context.Colour ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = context.Colour ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = context.IsTerminal ? InteractionSupport.Yes : InteractionSupport.No,
        });
        console.Profile.Width = context.Width;
        console.Profile.Capabilities.Unicode = context.IsTerminal;
        return console;
    }

    public static void Write(CliContext context, IRenderable renderable) => Console(context).Write(renderable);

    public static void WriteJson<T>(CliContext context, T value) => context.Output.WriteLine(JsonSerializer.Serialize(value, Client.CliJson.Options));

    /// <summary>A plain, borderless table: headers in capitals, one line per row (what `squeue` users expect to grep).</summary>
    public static Table Table(IEnumerable<string> headers)
    {
        var table = new Table().Border(TableBorder.None).HideRowSeparators();
        foreach (var header in headers)
        {
            table.AddColumn(new TableColumn(new Text(header, new Style(decoration: Decoration.Bold))) { NoWrap = true, Padding = new Padding(0, 0, 2, 0) });
        }

        return table;
    }

    public static string Number(double value, string format = "0.##") => value.ToString(format, CultureInfo.InvariantCulture);

    public static string Time(DateTimeOffset? value) => value?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "-";

    public static string Escape(string? text) => Markup.Escape(string.IsNullOrEmpty(text) ? "-" : text);
}
