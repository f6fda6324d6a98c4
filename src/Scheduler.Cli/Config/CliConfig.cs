using System.Text.Json;

namespace Scheduler.Cli.Config;

/// <summary>
/// What <c>login</c> stores: the server and where the bearer token comes from (a file read at every call, so a rotated
/// token needs no new login, or the token itself). Kept in <c>config.json</c>, mode 0600, in a 0700 folder.
/// </summary>
internal sealed record CliConfig(string Server, string? TokenFile = null, string? Token = null)
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

        var path = Path.Combine(directory, FileName);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(path, options))
        {
            JsonSerializer.Serialize(stream, this, Json);
        }

        if (!OperatingSystem.IsWindows())
        {
            // An existing file keeps its mode on FileMode.Create; a token must not stay world-readable.
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
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

    /// <summary>The server to call: <c>--server</c>, else <c>GPUSCHED_SERVER</c>, else the stored one.</summary>
    public static (Uri Server, string? Token, string TokenSource) Resolve(CliContext context, string? serverOption)
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
            return (uri, envToken, "GPUSCHED_TOKEN");
        }

        if (stored?.TokenFile is { } file)
        {
            if (!File.Exists(file))
            {
                throw CliException.Usage($"token file {file} does not exist; run gpusched login again");
            }

            return (uri, File.ReadAllText(file).Trim(), file);
        }

        return stored?.Token is { Length: > 0 } token ? (uri, token, "config") : (uri, null, "none");
    }
}
