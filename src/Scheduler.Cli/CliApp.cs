using System.CommandLine;
using System.CommandLine.Completions;
using Scheduler.Cli.Commands;

namespace Scheduler.Cli;

/// <summary>
/// <c>gpusched</c>: the scheduler from a terminal (docs/cli.md). Offline: <c>estimate</c>, <c>accuracy</c>. Against the
/// REST API: login/logout/whoami, submit, queue, show, cancel, nodes, queues, top, history, usage; <c>completion</c> for the
/// shell. Exit codes in <see cref="ExitCodes"/>.
/// </summary>
internal static class CliApp
{
    /// <summary>The process's streams and environment, as <c>gpusched</c> runs.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error) =>
        RunAsync(args, new CliContext(output, error), CancellationToken.None).GetAwaiter().GetResult();

    public static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken)
    {
        var server = new Option<string?>("--server")
        {
            Description = "The control plane's base URL (default: GPUSCHED_SERVER, then the one stored by login).",
            Recursive = true,
        };
        var kit = new CommandKit(context, server);
        var root = new RootCommand("gpusched: submit, watch and account for GPU training jobs on the scheduler's REST API, or price a spec offline.")
        {
            server,
            AuthCommands.Login(kit),
            AuthCommands.Logout(kit),
            AuthCommands.WhoAmI(kit),
            SubmitCommand.Create(kit),
            QueueCommand.Create(kit),
            ShowCommand.Create(kit),
            CancelCommand.Create(kit),
            JobControlCommands.Hold(kit),
            JobControlCommands.Release(kit),
            JobControlCommands.Requeue(kit),
            JobControlCommands.Update(kit),
            LogsCommand.Create(kit),
            NodesCommand.Create(kit),
            QueuesCommand.Create(kit),
            TopCommand.Create(kit),
            AccountingCommands.History(kit),
            AccountingCommands.Usage(kit),
            EstimateCommand.Create(context, kit),
            AccuracyCommand.Create(context.Output, context.Error),
            CompletionCommand.Create(kit),
        };
        // Commands built outside the kit get their examples here, so that every --help ends with some.
        kit.Examples[root] = "  gpusched login --server https://scheduler.example.org\n  gpusched submit job.yaml -q research --wait\n  gpusched queue -u ada\n  gpusched <command> --help";
        foreach (var command in root.Subcommands.Where(c => c.Name == "accuracy"))
        {
            kit.Examples[command] = "  gpusched accuracy --reference docs/benchmarks/data/reference --out docs/benchmarks/estimator.md";
        }

        ExamplesHelpAction.Install(root, kit.Examples);
        // Shell completion (gpusched completion bash|zsh) calls back with [suggest:N] "<command line>".
        var suggest = root.Directives.OfType<SuggestDirective>().FirstOrDefault();
        if (suggest is null)
        {
            suggest = new SuggestDirective();
            root.Directives.Add(suggest);
        }

        var parsed = root.Parse(CompletionCommand.WithoutProgramName(args));
        // A half-typed command line is what completion is for: its parse errors are not the user's. --help answers even
        // when a required argument or option is missing (gpusched show --help).
        if (parsed.Errors.Count > 0 && parsed.Action != suggest.Action && parsed.Action is not ExamplesHelpAction)
        {
            foreach (var problem in parsed.Errors)
            {
                context.Error.WriteLine(problem.Message);
            }

            context.Error.WriteLine("Run with --help for usage.");
            return ExitCodes.Usage;
        }

        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration { Output = context.Output, Error = context.Error, EnableDefaultExceptionHandler = false }, cancellationToken);
        }
        catch (CliException ex)
        {
            context.Error.WriteLine($"gpusched: {ex.Message}");
            return ex.ExitCode;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return 130;
        }
        catch (IOException ex)
        {
            // Unreadable files and similar: the message names the path; a stack trace would not help a user.
            context.Error.WriteLine($"gpusched: {ex.Message}");
            return ExitCodes.Usage;
        }
        catch (UnauthorizedAccessException ex)
        {
            context.Error.WriteLine($"gpusched: {ex.Message}");
            return ExitCodes.Usage;
        }
#pragma warning disable CA1031 // The last line of defence: a user gets one line and an exit code, never a stack trace.
        catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
        {
            context.Error.WriteLine($"gpusched: internal error ({ex.GetType().Name}): {ex.Message}");
            return ExitCodes.Internal;
        }
    }
}
