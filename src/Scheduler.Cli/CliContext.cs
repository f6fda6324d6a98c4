namespace Scheduler.Cli;

/// <summary>
/// What a command may touch outside its arguments: the two streams, the environment, whether stdout is a terminal, the
/// configuration folder and the HTTP handler (a test host's handler in tests). No command reads the process state directly.
/// </summary>
internal sealed record CliContext(TextWriter Output, TextWriter Error)
{
    /// <summary>Environment variables (<c>NO_COLOR</c>, <c>GPUSCHED_SERVER</c>, <c>GPUSCHED_TOKEN</c>, <c>GPUSCHED_CONFIG_DIR</c>).</summary>
    public Func<string, string?> Environment { get; init; } = _ => null;

    /// <summary>True when stdout is an interactive terminal: only then are tables coloured and <c>top</c> live.</summary>
    public bool IsTerminal { get; init; }

    /// <summary>The terminal's width; tables are laid out at this width (fixed when not a terminal, so output is stable).</summary>
    public int Width { get; init; } = 120;

    /// <summary>Sends the REST calls; null uses a plain <see cref="HttpClientHandler"/>.</summary>
    public Func<HttpMessageHandler>? Handler { get; init; }

    /// <summary>Sends the OIDC provider's calls (discovery, device flow, refresh); null uses a plain <see cref="HttpClientHandler"/>.</summary>
    public Func<HttpMessageHandler>? IdentityHandler { get; init; }

    /// <summary>Decides whether a stored access token has expired, and paces the device flow's polling.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Where <c>login</c> keeps <c>config.json</c>: <c>GPUSCHED_CONFIG_DIR</c>, else the user's config folder + <c>gpusched</c>.</summary>
    public string ConfigDirectory => Environment("GPUSCHED_CONFIG_DIR") is { Length: > 0 } dir
        ? dir
        : Path.Combine(System.Environment.GetFolderPath(System.Environment.SpecialFolder.ApplicationData, System.Environment.SpecialFolderOption.DoNotVerify), "gpusched");

    /// <summary>Colour only on a terminal and never with <c>NO_COLOR</c> set (https://no-color.org).</summary>
    public bool Colour => IsTerminal && string.IsNullOrEmpty(Environment("NO_COLOR"));

    public static CliContext FromProcess() => new(Console.Out, Console.Error)
    {
        Environment = System.Environment.GetEnvironmentVariable,
        IsTerminal = !Console.IsOutputRedirected,
        Width = Console.IsOutputRedirected ? 120 : Math.Max(40, SafeWindowWidth()),
    };

    private static int SafeWindowWidth()
    {
        try
        {
            return Console.WindowWidth;
        }
        catch (IOException)
        {
            return 120;
        }
    }
}
