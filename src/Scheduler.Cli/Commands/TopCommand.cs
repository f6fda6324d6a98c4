using System.CommandLine;
using Scheduler.Cli.Client;
using Scheduler.Cli.Output;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Scheduler.Cli.Commands;

/// <summary>
/// <c>top</c>: queues and GPU allocation by type, redrawn in place every interval (Spectre's live display) until
/// Ctrl+C or <c>q</c>. Without a terminal (or with <c>--once</c>) it prints one frame and exits, so it scripts too.
/// </summary>
internal static class TopCommand
{
    public static Command Create(CommandKit kit)
    {
        var interval = new Option<double>("--interval", "-n") { Description = "Seconds between refreshes.", DefaultValueFactory = _ => 2 };
        var once = new Option<bool>("--once") { Description = "Print one frame and exit." };
        var command = kit.Create("top", "A live view of queues and GPU allocation, refreshing in place; q or Ctrl+C quits.",
            "  gpusched top\n  gpusched top -n 5\n  gpusched top --once");
        command.Options.Add(interval);
        command.Options.Add(once);
        command.SetAction((parsed, cancellationToken) => kit.WithClientAsync(parsed, async client =>
        {
            var seconds = parsed.GetValue(interval);
            if (seconds is < 0.1 or > 3600)
            {
                throw CliException.Usage("--interval must be between 0.1 and 3600 seconds");
            }

            var console = Terminal.Console(kit.Context);
            if (parsed.GetValue(once) || !kit.Context.IsTerminal)
            {
                console.Write(await FrameAsync(kit.Context, client, cancellationToken));
                return ExitCodes.Ok;
            }

            using var quit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var keys = WatchForQuitAsync(quit);
            try
            {
                await console.Live(await FrameAsync(kit.Context, client, quit.Token)).AutoClear(false).StartAsync(async live =>
                {
                    while (!quit.IsCancellationRequested)
                    {
                        try
                        {
                            await Task.Delay(TimeSpan.FromSeconds(seconds), kit.Context.Clock, quit.Token);
                            live.UpdateTarget(await FrameAsync(kit.Context, client, quit.Token));
                        }
                        catch (OperationCanceledException)
                        {
                            break;
                        }
                    }
                });
            }
            finally
            {
                await quit.CancelAsync();
                await keys;
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>One screen: the time, GPUs allocated per type, the queues and the running jobs.</summary>
    public static async Task<IRenderable> FrameAsync(CliContext context, SchedulerClient client, CancellationToken cancellationToken)
    {
        var cluster = await client.GetClusterAsync(cancellationToken);
        var queues = await QueuesCommand.ListAsync(client, cancellationToken);
        var gpus = Terminal.Table(["GPU TYPE", "ALLOCATED", "CAPACITY", "USE"]);
        foreach (var type in cluster.ByType.OrderBy(t => t.GpuType, StringComparer.Ordinal))
        {
            var share = type.Capacity == 0 ? 0 : type.Allocated / type.Capacity;
            gpus.AddRow(Markup.Escape(type.GpuType), Terminal.Number(type.Allocated), type.Capacity.ToString(System.Globalization.CultureInfo.InvariantCulture), Markup.Escape(Bar(share)));
        }

        var running = Terminal.Table(["JOB", "QUEUE", "GPUS", "GPU TYPE", "TOKENS/S", "MFU"]);
        foreach (var job in cluster.Running.OrderBy(j => j.Queue, StringComparer.Ordinal).ThenBy(j => j.Name, StringComparer.Ordinal))
        {
            running.AddRow(Markup.Escape(job.Name), Markup.Escape(job.Queue), Terminal.Number(job.Gpus), Markup.Escape(job.GpuType),
                job.TokensPerSecond is { } t ? Terminal.Number(t, "0") : "-", job.Mfu is { } m ? Terminal.Number(m * 100, "0.0") + "%" : "-");
        }

        return new Rows(
            new Text($"gpusched top - {client.Server} - {Terminal.Time(context.Clock.GetUtcNow())}", new Style(decoration: Decoration.Bold)),
            new Text(""),
            new Text("GPUs"),
            gpus,
            new Text(""),
            new Text("Queues"),
            QueuesCommand.Table.Render(queues, "name,queued,admitted,running,quota,borrowed,budget"),
            new Text(""),
            new Text("Running"),
            running);
    }

    private static string Bar(double share)
    {
        const int Width = 20;
        var filled = (int)Math.Round(Math.Clamp(share, 0, 1) * Width);
        return "[" + new string('#', filled) + new string('.', Width - filled) + "] " + Terminal.Number(share * 100, "0") + "%";
    }

    /// <summary>Cancels on q (Ctrl+C arrives as the command's own cancellation).</summary>
    private static Task WatchForQuitAsync(CancellationTokenSource quit) => Task.Run(async () =>
    {
        while (!quit.IsCancellationRequested)
        {
            if (!Console.IsInputRedirected && Console.KeyAvailable && Console.ReadKey(intercept: true).Key == ConsoleKey.Q)
            {
                await quit.CancelAsync();
                return;
            }

            try
            {
                await Task.Delay(100, quit.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    });
}
