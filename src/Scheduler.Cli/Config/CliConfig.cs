using System.Text.Json;

namespace Scheduler.Cli.Config;

/// <summary>
/// What <c>login</c> stores: the server and where the bearer token comes from (a file read at every call, so a rotated
/// token needs no new login, the token itself, or the OIDC session of the device flow: access token, expiry, refresh
/// token). Kept in <c>config.json</c>, mode 0600, in a 0700 folder.
/// </summary>
internal sealed record CliConfig(string Server, string? TokenFile = null, string? Token = null, OidcSession? Oidc = null)
{
    private const string FileName = "config.json";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static CliConfig? Load(CliContext context)
    {
        var path = Path.Combine(context.ConfigDirectory, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<CliConfig>(File.ReadAllText(path), Json);
        }
        catch (JsonException ex)
        {
            throw CliException.Usage($"{path} is not a gpusched configuration ({ex.Message}); run gpusched login again");
        }
    }

    public void Save(CliContext context)
    {
        var directory = context.ConfigDirectory;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        // Written to a new file created 0600 (O_EXCL: never an existing file or a link), then renamed over config.json: the
        // token is never readable by others, not even for a moment in a file that was 0644, a link planted at config.json is
        // replaced rather than followed, and a crash mid-write leaves the previous file whole.
        var path = Path.Combine(directory, FileName);
        var temporary = Path.Combine(directory, $".{FileName}.{Guid.NewGuid():N}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using (var stream = new FileStream(temporary, options))
            {
                JsonSerializer.Serialize(stream, this, Json);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    public static bool Delete(CliContext context)
    {
        var path = Path.Combine(context.ConfigDirectory, FileName);
        if (!File.Exists(path))
        {
            return false;
        }

        File.Delete(path);
        return true;
    }

    private static string? NonEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;

    /// <summary>
    /// A client for the server <see cref="Resolve"/> picks, sending its credentials; an OIDC session refreshed on the way
    /// is saved back to the config file, so that the next command starts from the new token.
    /// </summary>
    public static (Client.SchedulerClient Client, string? Token, string TokenSource) Connect(CliContext context, string? serverOption)
    {
        var (server, token, source, session) = Resolve(context, serverOption);
        var client = Client.SchedulerClient.Create(context, server, token, session, renewed =>
        {
            if (Load(context) is { } current)
            {
                (current with { Oidc = renewed }).Save(context);
            }
        });
        return (client, session?.AccessToken ?? token, source);
    }

    /// <summary>
    /// The server to call: <c>--server</c>, else <c>GPUSCHED_SERVER</c>, else the stored one. The token: <c>GPUSCHED_TOKEN</c>,
    /// else the stored token file, else the stored OIDC session's access token (the session is the fourth value), else a stored token.
    /// </summary>
    public static (Uri Server, string? Token, string TokenSource, OidcSession? Session) Resolve(CliContext context, string? serverOption)
    {
        var stored = Load(context);
        var server = NonEmpty(serverOption) ?? NonEmpty(context.Environment("GPUSCHED_SERVER")) ?? stored?.Server
            ?? throw CliException.Usage("no server configured: run gpusched login --server URL, set GPUSCHED_SERVER or pass --server");
        if (!Uri.TryCreate(server, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw CliException.Usage($"server '{server}' is not an http(s) URL");
        }

        if (context.Environment("GPUSCHED_TOKEN") is { Length: > 0 } envToken)
        {
            return (uri, envToken, "GPUSCHED_TOKEN", null);
        }

        if (stored?.TokenFile is { } file)
        {
            if (!File.Exists(file))
            {
                throw CliException.Usage($"token file {file} does not exist; run gpusched login again");
            }

            return (uri, File.ReadAllText(file).Trim(), file, null);
        }

        if (stored?.Oidc is { AccessToken.Length: > 0 } session)
        {
            return (uri, session.AccessToken, $"OIDC sign-in at {session.Authority}", session);
        }

        return stored?.Token is { Length: > 0 } token ? (uri, token, "config", null) : (uri, null, "none", null);
    }
}
