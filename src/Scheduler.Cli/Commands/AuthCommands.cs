using System.CommandLine;
using Scheduler.Cli.Auth;
using Scheduler.Cli.Client;
using Scheduler.Cli.Config;

namespace Scheduler.Cli.Commands;

/// <summary><c>login</c> (a token file, or the OIDC device flow), <c>logout</c> and <c>whoami</c>: the server and bearer token the other commands use.</summary>
internal static class AuthCommands
{
    public static Command Login(CommandKit kit)
    {
        var server = new Option<string>("--server") { Description = "The control plane's base URL (http or https).", Required = true };
        var tokenFile = new Option<FileInfo?>("--token-file") { Description = "A file holding an API token, sent as 'Authorization: Bearer' and read at every call." };
        var auth = new Option<string>("--auth")
        {
            Description = "auto: the OIDC device flow when the server offers it and no token is given, else a token; oidc: the device flow or fail; token: never the device flow.",
            DefaultValueFactory = _ => "auto",
        };
        auth.AcceptOnlyFromAmong("auto", "oidc", "token");
        var command = kit.Create("login", "Remember the server and your credentials in the user's config folder, mode 0600: a token file, or an OIDC sign-in by the device flow (RFC 8628) when the server offers one.",
            "  gpusched login --server https://scheduler.example.org                 # OIDC device flow if offered\n"
            + "  gpusched login --server https://scheduler.example.org --token-file ~/.config/gpusched/token\n"
            + "  gpusched login --server https://scheduler.example.org --auth oidc     # the device flow, or fail\n"
            + "  gpusched login --server http://127.0.0.1:8080 --auth token");
        command.Options.Add(server);
        command.Options.Add(tokenFile);
        command.Options.Add(auth);
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var url = parsed.GetValue(server)!;
            var file = parsed.GetValue(tokenFile);
            var mode = parsed.GetValue(auth) ?? "auto";
            if (file is not null && !file.Exists)
            {
                throw CliException.Usage($"--token-file {file.FullName}: no such file");
            }

            if (file is not null && mode == "oidc")
            {
                throw CliException.Usage("--token-file and --auth oidc exclude each other: a token file is the credential, the device flow gets another");
            }

            var config = new CliConfig(url, file?.FullName);
            var (uri, token, _) = Resolve(kit.Context, config);
            var environmentToken = kit.Context.Environment("GPUSCHED_TOKEN") is { Length: > 0 } set ? set : null;
            if (mode == "oidc" || (mode == "auto" && file is null && environmentToken is null))
            {
                var offered = await OfferedOidcAsync(kit.Context, uri, required: mode == "oidc", cancellationToken);
                if (offered is not null)
                {
                    var code = await DeviceLoginAsync(kit.Context, uri, url, offered, cancellationToken);
                    if (environmentToken is not null)
                    {
                        kit.Context.Error.WriteLine("gpusched: GPUSCHED_TOKEN is set: it is sent instead of the stored sign-in until it is unset");
                    }

                    return code;
                }
            }

            // GPUSCHED_TOKEN is what every later call sends when it is set (not stored), so it is what the check sends too.
            var sent = token ?? environmentToken;
            using var client = SchedulerClient.Create(kit.Context, uri, sent);
            // A call that needs the token once the server checks them; a refusal (401) leaves the old configuration alone.
            await client.ListQueuesAsync(cancellationToken);
            config.Save(kit.Context);
            var credentials = token is not null ? "token from " + file!.FullName : sent is not null ? "token from GPUSCHED_TOKEN, not stored" : "no token";
            kit.Context.Output.WriteLine($"Logged in to {uri} ({credentials}); configuration in {kit.Context.ConfigDirectory}");
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// The server's OIDC offer (GET /api/v1/auth/config, anonymous), or null: none configured, or a server from before the
    /// endpoint (401/404). With <paramref name="required"/> (<c>--auth oidc</c>) no offer is an error.
    /// </summary>
    private static async Task<OidcClientView?> OfferedOidcAsync(CliContext context, Uri server, bool required, CancellationToken cancellationToken)
    {
        AuthConfigView? config;
        using (var anonymous = SchedulerClient.Create(context, server, token: null))
        {
            try
            {
                config = await anonymous.GetAsync<AuthConfigView>("api/v1/auth/config", cancellationToken);
            }
            catch (CliException ex) when (ex.ExitCode is ExitCodes.Refused or ExitCodes.NotFound && !required)
            {
                config = null;
            }
        }

        return config?.Oidc ?? (required
            ? throw new CliException(ExitCodes.Refused, $"{server} offers no OIDC sign-in (GET /api/v1/auth/config has no 'oidc'); log in with --token-file")
            : null);
    }

    /// <summary>The device flow, then GET /api/v1/me with the new token (refreshed if the server refuses it) before anything is stored.</summary>
    private static async Task<int> DeviceLoginAsync(CliContext context, Uri uri, string url, OidcClientView offered, CancellationToken cancellationToken)
    {
        OidcSession session;
        using (var provider = IdentityProvider.Create(context, offered.Authority, offered.ClientId))
        {
            session = await provider.DeviceLoginAsync(offered.Scopes, cancellationToken);
        }

        MeView me;
        using (var client = SchedulerClient.Create(context, uri, null, session, renewed => session = renewed))
        {
            me = await client.GetAsync<MeView>("api/v1/me", cancellationToken);
        }

        new CliConfig(url, Oidc: session).Save(context);
        var teams = me.Teams.Count == 0 ? "no teams" : string.Join(", ", me.Teams.Select(t => $"{t.Team} ({t.Role.ToLowerInvariant()})"));
        context.Output.WriteLine($"Logged in to {uri} as {me.Name} ({teams}) through {offered.Authority}; configuration in {context.ConfigDirectory}");
        return ExitCodes.Ok;
    }

    public static Command Logout(CommandKit kit)
    {
        var command = kit.Create("logout", "Forget the stored server and credentials: the token file's path, or the OIDC access and refresh tokens (the token file itself is left alone).", "  gpusched logout");
        command.SetAction(parsed =>
        {
            kit.Context.Output.WriteLine(CliConfig.Delete(kit.Context) ? "Logged out." : "Not logged in.");
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command WhoAmI(CommandKit kit)
    {
        var json = CommandKit.JsonOption();
        var command = kit.Create("whoami", "Who the server says you are (GET /api/v1/me): user, cluster admin or not, teams and roles; and the server and token used.",
            "  gpusched whoami\n  gpusched whoami --json");
        command.Options.Add(json);
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var (client, token, source) = CliConfig.Connect(kit.Context, parsed.GetValue(kit.Server));
            var server = client.Server;
            MeView me;
            using (client)
            {
                // Refused (401 without or with a bad token) and unreachable servers end here with the server's problem or the cause.
                me = await client.GetAsync<MeView>("api/v1/me", cancellationToken);
            }

            var who = new Identity(server.ToString(), me.Name, me.ClusterAdmin, me.Teams, token is null ? null : source);
            if (parsed.GetValue(json))
            {
                Output.Terminal.WriteJson(kit.Context, who);
            }
            else
            {
                kit.Context.Output.WriteLine($"user:          {who.User}");
                kit.Context.Output.WriteLine($"cluster admin: {(who.ClusterAdmin ? "yes" : "no")}");
                kit.Context.Output.WriteLine($"teams:         {(who.Teams.Count == 0 ? "none" : string.Join(", ", who.Teams.Select(t => $"{t.Team} ({t.Role.ToLowerInvariant()})")))}");
                kit.Context.Output.WriteLine($"server:        {who.Server}");
                kit.Context.Output.WriteLine($"token:         {(who.TokenSource is null ? "none" : "from " + who.TokenSource)}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static (Uri, string?, string) Resolve(CliContext context, CliConfig config)
    {
        if (!Uri.TryCreate(config.Server, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw CliException.Usage($"--server '{config.Server}' is not an http(s) URL");
        }

        var token = config.TokenFile is { } file ? File.ReadAllText(file).Trim() : null;
        return (uri, token, config.TokenFile ?? "none");
    }

    private sealed record Identity(string Server, string User, bool ClusterAdmin, IReadOnlyList<TeamGrantView> Teams, string? TokenSource);
}
