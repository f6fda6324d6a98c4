namespace Scheduler.Cli.Tests;

/// <summary>Runs the CLI's entry method with captured stdout and stderr, in a scratch folder removed afterwards.</summary>
internal sealed class CliRun : IDisposable
{
    public CliRun() => System.IO.Directory.CreateDirectory(Directory);

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "scheduler-cli-tests", Guid.NewGuid().ToString("N"));

    public string WriteFile(string name, string text)
    {
        var path = Path.Combine(Directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    public (int ExitCode, string Stdout, string Stderr) Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = CliApp.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
