namespace Scheduler.Cli;

/// <summary>The process entry (named so that it does not clash with the API's <c>Program</c> in tests that host both).</summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            // The first Ctrl+C stops the command cleanly (top leaves the live view, submit --wait stops following).
            e.Cancel = true;
            cancel.Cancel();
        };
        return await CliApp.RunAsync(args, CliContext.FromProcess(), cancel.Token);
    }
}
