namespace Scheduler.Cli.Tests;

/// <summary>Runs the CLI's entry method with captured stdout and stderr, in a scratch folder removed afterwards.</summary>
internal sealed class CliRun : IDisposable
{
    public CliRun() => System.IO.Directory.CreateDirectory(Directory);

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "scheduler-cli-tests", Guid.NewGuid().ToString("N"));

    /// <summary>The CLI's clock (whether a stored token has expired); the real one when null.</summary>
    public TimeProvider? Clock { get; set; }

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

    /// <summary>Runs against <paramref name="plane"/> with this folder as the config folder (and <paramref name="environment"/> added).</summary>
    public async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(ControlPlane plane, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var context = plane.Context(TextWriter.Synchronized(stdout), TextWriter.Synchronized(stderr), Path.Combine(Directory, "config"), environment);
        context = Clock is null ? context : context with { Clock = Clock };
        var code = await CliApp.RunAsync(args, context, TestContext.Current.CancellationToken);
        return (code, stdout.ToString(), stderr.ToString());
    }

    public Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(ControlPlane plane, params string[] args) => RunAsync(plane, null, args);

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
