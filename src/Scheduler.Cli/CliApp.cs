using System.CommandLine;

namespace Scheduler.Cli;

/// <summary>The command line: <c>estimate &lt;spec.json&gt;</c> and <c>accuracy --reference &lt;dir&gt; --out &lt;file&gt;</c>.</summary>
internal static class CliApp
{
    /// <summary>0: done (an estimate is printed whether or not the job fits); 1: invalid spec; 2: bad usage or unreadable files.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var root = new RootCommand("GPU batch scheduler command line: price training jobs offline.")
        {
            EstimateCommand.Create(output, error),
            AccuracyCommand.Create(output, error),
        };
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            // Usage errors exit 2, apart from the 1 that means an invalid spec.
            foreach (var problem in parsed.Errors)
            {
                error.WriteLine(problem.Message);
            }

            error.WriteLine("Run with --help for usage.");
            return ExitCodes.Usage;
        }

        return parsed.Invoke(new InvocationConfiguration { Output = output, Error = error });
    }
}
