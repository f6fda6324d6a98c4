namespace Scheduler.Cli;

/// <summary>An expected failure with its exit code and the message to print; the top level prints it, never a stack trace.</summary>
internal sealed class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    public static CliException Usage(string message) => new(ExitCodes.Usage, message);
}
