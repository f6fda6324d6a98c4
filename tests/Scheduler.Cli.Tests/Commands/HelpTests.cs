namespace Scheduler.Cli.Tests.Commands;

/// <summary>Every command's <c>--help</c> ends with examples (docs/cli.md#conventions).</summary>
public sealed class HelpTests
{
    public static TheoryData<string> Commands =>
    [
        "", "login", "logout", "whoami", "submit", "queue", "show", "cancel", "hold", "release", "requeue", "update", "logs",
        "nodes", "queues", "top", "history", "usage", "estimate", "accuracy", "completion",
    ];

    [Theory]
    [MemberData(nameof(Commands))]
    public void Help_ends_with_examples_of_the_command(string command)
    {
        using var cli = new CliRun();

        var (code, stdout, stderr) = command.Length == 0 ? cli.Run("--help") : cli.Run(command, "--help");

        Assert.True(code == 0, stderr);
        var examples = stdout.IndexOf("Examples:", StringComparison.Ordinal);
        Assert.True(examples > 0, stdout);
        Assert.Contains(("gpusched " + command).TrimEnd(), stdout[examples..]);
    }
}
